package org.siglip4j.examples.gpu;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.siglip4j.core.config.SiglipPresets;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.model.SiglipOutput;
import org.siglip4j.core.pipeline.SiglipPipelines;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.RandomPairs;

/**
 * The GPU check of docs/gpu.md, in one run:
 *
 * <ol>
 *   <li>parity of embeddings, logits, loss and every parameter's gradient between the CPU and the
 *       device, on the tiny fixture and on a random model of {@code base-patch16-224}'s shape;
 *   <li>a fine-tuning run (pairs/s, device memory);
 *   <li>k replicas on the device giving the same parameters after a few steps as one replica with
 *       the global batch.
 * </ol>
 *
 * <p>Every result is a relative error {@code ||device - cpu|| / ||cpu||} (or a max abs difference
 * for the replicas), printed one per line as {@code name value limit ok|FAIL}; the exit code is 1
 * when any exceeds its limit. Limits: float32 on both sides, so 1e-4 for forward values (TF32 is off
 * in libtorch's defaults for matmuls) and 1e-3 for gradients, whose long reductions run in a
 * different order on the GPU.
 *
 * <pre>
 * GpuCheck FIXTURE_DIR DEVICE WORK_DIR [--base] [--steps N] [--batch B] [--replicas K]
 * </pre>
 *
 * With {@code DEVICE=cpu} both sides are the CPU: the plumbing runs and every error is 0.
 */
public final class GpuCheck {
    private static final double FORWARD_LIMIT = 1e-4;
    private static final double GRADIENT_LIMIT = 1e-3;
    private static final double REPLICA_LIMIT = 1e-4;

    private final List<String> failures = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();

    private GpuCheck() {}

    /**
     * Runs the check.
     *
     * @param args {@code FIXTURE_DIR DEVICE WORK_DIR [--base] [--steps N] [--batch B] [--replicas K]}
     * @throws IOException when the work folder cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: GpuCheck FIXTURE_DIR DEVICE WORK_DIR [--base] [--steps N] [--batch B] "
                    + "[--replicas K]");
            System.exit(2);
        }
        Path fixture = Paths.get(args[0]);
        Device device = SiglipPipelines.device(args[1]);
        Path work = Paths.get(args[2]);
        boolean base = false;
        int steps = 20;
        int batch = 8;
        int replicas = 2;
        for (int i = 3; i < args.length; i++) {
            switch (args[i]) {
                case "--base" -> base = true;
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--replicas" -> replicas = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(work);
        GpuCheck check = new GpuCheck();
        Engine e = Engine.getInstance();
        check.line(String.format(Locale.ROOT, "engine %s %s, device %s, gpus %d", e.getEngineName(), e.getVersion(),
                device, e.getGpuCount()));
        check.parity("tiny", fixture, device, 8);
        check.replicas(fixture, device, replicas);
        Path model = fixture;
        if (base) {
            model = check.randomBase(fixture, work.resolve("base"));
            check.parity("base", model, device, 4);
        }
        check.finetune(model, device, work.resolve("run"), steps, batch);
        Files.writeString(work.resolve("gpu-check.txt"), check.report);
        check.line(check.failures.isEmpty() ? "ALL OK" : "FAILED: " + String.join(", ", check.failures));
        System.exit(check.failures.isEmpty() ? 0 : 1);
    }

    /** Forward values and gradients of the sigmoid loss on the CPU and on the device, same weights and inputs. */
    private void parity(String name, Path modelDir, Device device, int n) {
        Map<String, float[]> cpu = forwardBackward(modelDir, Device.cpu(), n);
        long t = System.nanoTime();
        Map<String, float[]> dev = forwardBackward(modelDir, device, n);
        line(String.format(Locale.ROOT, "%s forward+backward on %s, batch %d: %.2f s (first call, warm-up included)",
                name, device, n, (System.nanoTime() - t) / 1e9));
        double worstGrad = 0;
        String worstKey = "";
        for (Map.Entry<String, float[]> en : cpu.entrySet()) {
            double err = relativeError(dev.get(en.getKey()), en.getValue());
            if (en.getKey().startsWith("grad:")) {
                if (err >= worstGrad || Double.isNaN(err)) {
                    worstGrad = err;
                    worstKey = en.getKey();
                }
            } else {
                result(name + " " + en.getKey(), err, FORWARD_LIMIT);
            }
        }
        result(name + " gradients (worst: " + worstKey + ")", worstGrad, GRADIENT_LIMIT);
    }

    private static Map<String, float[]> forwardBackward(Path modelDir, Device device, int n) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager(device); SiglipModel model = SiglipModel.fromPretrained(modelDir, m)) {
            int vocab = model.config().textConfig().vocabSize();
            int len = Math.min(16, model.config().textConfig().maxPositionEmbeddings());
            int size = model.config().visionConfig().imageSize();
            // inputs made on the CPU from a fixed seed, then moved: both sides see the same numbers
            java.util.Random r = new java.util.Random(7);
            long[] ids = new long[n * len];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = r.nextInt(vocab);
            }
            float[] px = new float[n * 3 * size * size];
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) (r.nextDouble() * 2 - 1);
            }
            NDArray inputIds = m.create(ids, new Shape(n, len));
            NDArray pixels = m.create(px, new Shape(n, 3, size, size));
            ParameterStore ps = new ParameterStore(m, false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                SiglipOutput o = model.compute(ps, inputIds, pixels, null, true);
                // z = 2I - 1; loss = (1/n) sum softplus(-z * logits), the SigLIP loss of the paper
                NDArray z = m.eye(n).mul(2).sub(1);
                NDArray loss = Activation.softPlus(o.logitsPerText().mul(z).neg()).sum().div(n);
                out.put("text_embeds", o.textEmbeds().toFloatArray());
                out.put("image_embeds", o.imageEmbeds().toFloatArray());
                out.put("logits", o.logitsPerText().toFloatArray());
                out.put("loss", loss.toFloatArray());
                gc.backward(loss);
            }
            for (Map.Entry<String, Parameter> p : model.namedParameters().entrySet()) {
                NDArray g = p.getValue().getArray().getGradient();
                out.put("grad:" + p.getKey(), g.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
        return out;
    }

    /** k replicas on the one device against one replica with the global batch, after 3 steps. */
    private void replicas(Path fixture, Device device, int k) {
        Map<String, float[]> one = train(fixture, device, 1, k * 3);
        Map<String, float[]> many = train(fixture, device, k, k * 3);
        double worst = 0;
        for (Map.Entry<String, float[]> en : one.entrySet()) {
            float[] a = en.getValue();
            float[] b = many.get(en.getKey());
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
        }
        result("tiny " + k + " replicas vs 1, 3 steps, max |param diff|", worst, REPLICA_LIMIT);
    }

    private static Map<String, float[]> train(Path fixture, Device device, int devices, int batch) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Path dir;
        try {
            dir = Files.createTempDirectory("gpu-check-replicas");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        TrainerConfig cfg = TrainerConfig.builder(dir).optBatchSize(batch).optSteps(3).optDevices(devices)
                .optLearningRate(1e-3).optWarmupSteps(1).optAdamEpsilon(1e-6).optShowProgress(false).build();
        try (NDManager root = NDManager.newBaseManager(device);
                SiglipModel model = SiglipModel.fromPretrained(fixture, root);
                SiglipTokenizer tok = SiglipTokenizer.load(fixture);
                SiglipTrainer t = new SiglipTrainer(model, tok, fixture, cfg);
                BatchLoader loader = new BatchLoader(new RandomPairs(batch * 3,
                        model.config().visionConfig().imageSize()), batch, cfg.seed(), 1, 0)) {
            for (int s = 0; s < 3; s++) {
                t.step(loader.get(s));
            }
            t.trainableParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        }
        return out;
    }

    /** A random model of base-patch16-224's shape saved with the fixture's tokenizer files. */
    private Path randomBase(Path fixture, Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                SiglipModel model = SiglipModel.newModel(SiglipPresets.get("base-patch16-224"), m)) {
            model.save(dir);
        }
        for (String f : List.of("spiece.model", "tokenizer.json", "tokenizer_config.json",
                "special_tokens_map.json")) {
            if (Files.exists(fixture.resolve(f))) {
                Files.copy(fixture.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /** Fine-tuning on random pairs: pairs/s after a warm-up step, and the device memory in use. */
    private void finetune(Path modelDir, Device device, Path out, int steps, int batch) {
        TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(batch).optSteps(steps + 1)
                .optLearningRate(1e-5).optWarmupSteps(1).optShowProgress(false).build();
        try (NDManager root = NDManager.newBaseManager(device);
                SiglipModel model = SiglipModel.fromPretrained(modelDir, root);
                SiglipTokenizer tok = SiglipTokenizer.load(modelDir);
                SiglipTrainer t = new SiglipTrainer(model, tok, modelDir, cfg);
                BatchLoader loader = new BatchLoader(new RandomPairs(batch * (steps + 1),
                        model.config().visionConfig().imageSize()), batch, cfg.seed(), Math.max(2, Runtime.getRuntime().availableProcessors() / 4), 4)) {
            t.step(loader.get(0));
            long t0 = System.nanoTime();
            double loss = Double.NaN;
            for (int s = 1; s <= steps; s++) {
                loss = t.step(loader.get(s)).loss();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            String mem = "";
            if (device.isGpu()) {
                MemoryUsage u = CudaUtils.getGpuMemory(device);
                mem = String.format(Locale.ROOT, ", device memory used %.2f GiB of %.2f GiB", u.getUsed() / 1073741824.0,
                        u.getMax() / 1073741824.0);
            }
            line(String.format(Locale.ROOT, "finetune %s, %d layers, batch %d, %d steps: %.1f pairs/s, %.3f s/step,"
                    + " last loss %.4f%s", modelDir.getFileName(), model.config().visionConfig().numHiddenLayers(),
                    batch, steps, steps * (double) batch / secs, secs / steps, loss, mem));
            if (!Double.isFinite(loss)) {
                failures.add("finetune loss");
            }
        }
    }

    private static double relativeError(float[] got, float[] want) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = (double) got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    private void result(String name, double value, double limit) {
        boolean ok = value <= limit; // NaN fails
        line(String.format(Locale.ROOT, "%-70s %.3e  limit %.0e  %s", name, value, limit, ok ? "ok" : "FAIL"));
        if (!ok) {
            failures.add(name);
        }
    }

    private void line(String s) {
        System.out.println(s);
        report.append(s).append('\n');
    }
}
