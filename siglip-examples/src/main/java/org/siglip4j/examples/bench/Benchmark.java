package org.siglip4j.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.nn.MallocTuning;
import org.siglip4j.core.nn.TorchLinear;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.data.RandomPairs;

/**
 * Runs the benchmark rows: for each, one warm-up call per side, then blocks of calls alternating
 * siglip4j and the PyTorch peer (A B A B ...), and reports the medians of the per-call times.
 * Outputs are compared before anything is timed; a row whose outputs disagree is reported as
 * failing and is not timed. Peak RSS is per row ({@link Rss#resetPeak()} before it).
 */
public final class Benchmark {
    /** "tiny": the model of the assets folder instead of a preset. */
    public static final String TINY = "tiny";

    /**
     * What to run.
     *
     * @param rows any of vision, text, tokenizer, preprocess, train, memory
     * @param threads intra-op threads on both sides
     * @param python interpreter for the peer; null skips the peer
     * @param peerScript {@code bench/peer.py}
     * @param assets a model folder with tokenizer files and {@code inputs/texts.json} (the tiny fixture)
     * @param presets preset names (or {@link #TINY}) for the tower rows
     * @param batches vision batch sizes
     * @param largeBatches vision batch sizes for presets over 100 GFLOP per image
     * @param trainBatches training batch sizes (first preset only)
     * @param memoryCalls zero-shot calls of the memory row
     * @param quick short blocks, one alternation
     * @param profileDir where to write one profiled call per vision/text row (Chrome traces), or null
     */
    public record Options(Set<String> rows, int threads, String python, Path peerScript, Path assets,
            List<String> presets, List<Integer> batches, List<Integer> largeBatches, List<Integer> trainBatches,
            int memoryCalls, boolean quick, Path profileDir) {}

    /**
     * One result line.
     *
     * @param row row name
     * @param model preset or "-"
     * @param batch items per call
     * @param unit what is counted per second
     * @param ours items per second (median), NaN if not run
     * @param peer PyTorch items per second (median), NaN if the peer did not run
     * @param oursGemm fraction of our GEMM rate (model rows), NaN otherwise
     * @param peerGemm fraction of our GEMM rate reached by the peer, NaN otherwise
     * @param oursRssMib peak RSS of this JVM during the row
     * @param peerRssMib peak RSS of the peer during the row
     * @param check the output comparison ("max|diff| 2e-6", "ids equal", "FAIL ...", "not checked")
     * @param note anything else (alternations, calls per block, growth)
     */
    public record Row(String row, String model, int batch, String unit, double ours, double peer, double oursGemm,
            double peerGemm, double oursRssMib, double peerRssMib, String check, String note) {
        /** ours / PyTorch, NaN without the peer. */
        public double ratio() {
            return ours / peer;
        }
    }

    /** A side of a comparison: runs {@code n} calls and returns the seconds of each. */
    interface Side {
        double[] time(int n);
    }

    private final Options o;
    private final PrintWriter out;
    private final PeerProcess peer;
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> machine = new LinkedHashMap<>();
    private final Path work;
    private double gemmOurs = Double.NaN;

    private Benchmark(Options o, PrintWriter out, PeerProcess peer, Path work) {
        this.o = o;
        this.out = out;
        this.peer = peer;
        this.work = work;
    }

    /**
     * Runs every selected row and prints the table.
     *
     * @param o options
     * @param out where progress and the table go
     * @return the rows and a description of the machine
     */
    public static Report run(Options o, PrintWriter out) throws IOException {
        Path work = Files.createTempDirectory("siglip-bench");
        PeerProcess peer = null;
        if (o.python() == null) {
            out.println("peer: skipped (no --python)");
        } else {
            try {
                peer = PeerProcess.start(o.python(), o.peerScript(), o.threads());
            } catch (SiglipException e) {
                out.println("peer: skipped, PyTorch rows not run: " + e.getMessage());
            }
        }
        out.flush();
        Benchmark b = new Benchmark(o, out, peer, work);
        try {
            b.describeMachine();
            b.gemm();
            for (int p = 0; p < o.presets().size(); p++) {
                b.towers(o.presets().get(p), p == 0);
            }
            if (o.rows().contains("tokenizer")) {
                b.tokenizer();
            }
            if (o.rows().contains("preprocess")) {
                b.preprocess();
            }
            if (o.rows().contains("memory")) {
                b.memory();
            }
        } finally {
            if (peer != null) {
                peer.close();
            }
            deleteTree(work);
        }
        Report r = new Report(b.machine, b.gemmOurs, List.copyOf(b.rows));
        out.println();
        out.print(r.table());
        out.flush();
        return r;
    }

    /**
     * Everything a run found.
     *
     * @param machine CPU, cores, threads, versions
     * @param gemmGflops our GEMM rate
     * @param rows result lines
     */
    public record Report(Map<String, Object> machine, double gemmGflops, List<Row> rows) {
        /** The results as a JSON document. */
        public String toJson() {
            Gson g = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
            return g.toJson(this);
        }

        /** The results as a Markdown table. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append("| row | model | batch | unit | siglip4j | PyTorch | ratio | % GEMM (ours / PyTorch) "
                    + "| peak RSS MiB (ours / PyTorch) | outputs | notes |\n");
            sb.append("|---|---|---:|---|---:|---:|---:|---:|---:|---|---|\n");
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        r.row(), r.model(), r.batch(), r.unit(), num(r.ours()), num(r.peer()),
                        Double.isNaN(r.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                        pct(r.oursGemm()) + " / " + pct(r.peerGemm()),
                        mib(r.oursRssMib()) + " / " + mib(r.peerRssMib()), r.check(), r.note()));
            }
            return sb.toString();
        }

        private static String num(double v) {
            if (Double.isNaN(v)) {
                return "-";
            }
            return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
        }

        private static String pct(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
        }

        private static String mib(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
        }
    }

    // ------------------------------------------------------------------ rows

    private void describeMachine() {
        String cpu = cpuModel();
        machine.put("cpu", cpu);
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("threads", o.threads());
        machine.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        machine.put("java", System.getProperty("java.version"));
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        machine.put("ld_preload", preload.isEmpty() ? "-" : preload);
        machine.put("malloc", MallocTuning.apply().detail());
        if (cpu.contains("AMD") && !preload.contains("mklamdshim")) {
            // the oneMKL in libtorch runs its generic kernels on AMD CPUs (docs/performance.md)
            out.println("note: AMD CPU without bench/libmklamdshim.so preloaded: the engine's matrix products run "
                    + "MKL's generic path (large linear layers go through oneDNN); see scripts/build-mkl-amd-shim.sh");
        }
        if (peer != null) {
            machine.put("peer", peer.hello().toString());
        }
        out.println("machine: " + machine);
        out.flush();
    }

    /**
     * The ceiling: a square float32 GEMM through the same engine, on both sides, twice: as a plain
     * matrix product (MKL in libtorch, OpenBLAS in Debian's torch) and as the linear layer our
     * towers call (oneDNN for large inference calls on the CPU, {@code F.linear} in the peer). The
     * faster of our two is the rate the model rows are a fraction of.
     */
    private void gemm() {
        int n = o.quick() ? 512 : 2048;
        double flops = 2.0 * n * n * n;
        Rss.resetPeak();
        double best = 0;
        try (NDManager m = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            for (String op : List.of("gemm", "linear")) {
                Runnable ours = "gemm".equals(op) ? () -> a.matMul(b).close() : () -> TorchLinear.linear(a, b, null).close();
                double[] t = alternate(k -> timeCalls(k, ours), peer == null ? null : k -> {
                    JsonObject req = req("gemm");
                    req.addProperty("n", n);
                    req.addProperty("iters", k);
                    req.addProperty("op", op);
                    return secs(peer.request(req));
                });
                double rate = flops / t[0] / 1e9;
                best = Math.max(best, rate);
                machine.put(op + "_gflops", rate);
                add(new Row(op, n + "x" + n, 1, "GFLOP/s", rate, flops / t[1] / 1e9, Double.NaN, Double.NaN,
                        Double.NaN, Double.NaN, "-", note(t)));
            }
        }
        gemmOurs = best;
        machine.put("gemm_gflops", gemmOurs);
    }

    private void towers(String preset, boolean first) throws IOException {
        boolean wantVision = o.rows().contains("vision");
        boolean wantText = first && o.rows().contains("text");
        boolean wantTrain = first && o.rows().contains("train");
        boolean wantTrainCkpt = first && o.rows().contains("train-ckpt");
        if (!wantVision && !wantText && !wantTrain && !wantTrainCkpt) {
            return;
        }
        Path dir;
        try (NDManager root = NDManager.newBaseManager()) {
            SiglipModel model;
            if (TINY.equals(preset)) {
                dir = o.assets();
                model = SiglipModel.fromPretrained(dir, root);
            } else {
                out.println(preset + ": random weights, writing safetensors ...");
                out.flush();
                dir = work.resolve(preset);
                model = SiglipModel.newModel(SiglipConfig.preset(preset), root);
                model.save(dir);
            }
            try (model) {
                if (peer != null) {
                    JsonObject req = req("load");
                    req.addProperty("dir", dir.toAbsolutePath().toString());
                    peer.request(req);
                }
                long perImage = model.config().visionConfig().forwardFlops();
                if (wantVision) {
                    List<Integer> batches = perImage > 100e9 ? o.largeBatches() : o.batches();
                    boolean checked = false;
                    for (int batch : batches) {
                        vision(model, preset, batch, perImage, !checked);
                        checked = true;
                    }
                }
                if (wantText) {
                    text(model, preset, 32);
                }
                if (wantTrain) {
                    for (int batch : o.trainBatches()) {
                        train(model, preset, batch, false);
                    }
                }
                if (wantTrainCkpt) {
                    for (int batch : o.trainBatches()) {
                        train(model, preset, batch, true);
                    }
                }
            } finally {
                if (peer != null) {
                    peer.request("unload");
                }
                if (!TINY.equals(preset)) {
                    deleteTree(dir);
                }
            }
        }
    }

    private void vision(SiglipModel model, String preset, int batch, long perImage, boolean check) throws IOException {
        int size = model.config().visionConfig().imageSize();
        Shape shape = new Shape(batch, 3, size, size);
        float[] px = randomFloats((int) shape.size(), batch);
        resetPeaks();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = m.create(px, shape);
            towerRow("vision", preset, batch, "images/s", perImage, check, shape, () -> writeFloats(px),
                    () -> model.getImageFeatures(pixels), "");
        }
    }

    /** What the peer reads as a row's input (written only when the outputs are compared). */
    private interface PeerInput {
        Path write() throws IOException;
    }

    /**
     * A tower row: outputs compared with the peer first (when {@code check}), then ours and the
     * peer's calls alternated, the row added, and with {@code --profile} one profiled call after
     * the row's peak RSS was read (under the profiler libtorch frees memory later).
     */
    private void towerRow(String row, String preset, int batch, String unit, long flopsPerItem, boolean check,
            Shape shape, PeerInput input, Supplier<NDArray> call, String notePrefix) throws IOException {
        String verdict = "not checked";
        if (check && peer != null) {
            float[] ours;
            try (NDArray f = call.get()) {
                ours = f.toFloatArray();
            }
            verdict = compare(ours, peerRun(row, input.write(), shape, null));
            if (verdict.startsWith("FAIL")) {
                add(failed(row, preset, batch, unit, verdict));
                return;
            }
        }
        double[] t = alternate(k -> timeCalls(k, () -> call.get().close()), peerTimer(row, shape, null));
        double oursRate = batch / t[0];
        double peerRate = batch / t[1];
        add(new Row(row, preset, batch, unit, oursRate, peerRate, oursRate * flopsPerItem / 1e9 / gemmOurs,
                peerRate * flopsPerItem / 1e9 / gemmOurs, oursPeakMib(), peerPeakMib(), verdict,
                notePrefix + note(t)));
        profile(row + "-" + preset + "-b" + batch, () -> call.get().close());
    }

    /** With {@code --profile}: one more call under libtorch's profiler, its trace and top operators. */
    private void profile(String name, Runnable call) throws IOException {
        if (o.profileDir() == null) {
            return;
        }
        Path trace = o.profileDir().resolve(name + ".json");
        OpProfile.record(trace, call);
        out.println("  profile " + trace + " (self time by operator):");
        out.print(OpProfile.format(OpProfile.summarize(trace), 8));
        out.flush();
    }

    private void text(SiglipModel model, String preset, int batch) throws IOException {
        int len = model.config().textConfig().maxPositionEmbeddings();
        int vocab = model.config().textConfig().vocabSize();
        Shape shape = new Shape(batch, len);
        long[] ids = new long[(int) shape.size()];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + r.nextInt(Math.min(vocab, 500) - 3);
        }
        long perText = model.config().textConfig().forwardFlops(len);
        resetPeaks();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray input = m.create(ids, shape);
            towerRow("text", preset, batch, "texts/s", perText, true, shape, () -> writeLongs(ids),
                    () -> model.getTextFeatures(input), len + " tokens; ");
        }
    }

    /**
     * One optimiser step (forward, sigmoid loss, backward, clipping, AdamW) on random pairs; with
     * {@code checkpointing}, activation checkpointing per encoder layer on both sides (ours:
     * {@link TrainerConfig#gradientCheckpointing()}; the peer: {@code torch.utils.checkpoint} per
     * layer, as HF's {@code gradient_checkpointing_enable()}).
     */
    private void train(SiglipModel model, String preset, int batch, boolean checkpointing) throws IOException {
        int size = model.config().visionConfig().imageSize();
        resetPeaks();
        PairSource data = new RandomPairs(batch * 2, size);
        Path outDir = work.resolve("train-" + batch);
        TrainerConfig cfg = TrainerConfig.builder(outDir).optBatchSize(batch).optSteps(1_000_000)
                .optLearningRate(1e-5).optWarmupSteps(0).optShowProgress(false)
                .optGradientCheckpointing(checkpointing).build();
        try (SiglipTokenizer tok = SiglipTokenizer.load(o.assets());
                SiglipTrainer t = new SiglipTrainer(model, tok, null, cfg);
                BatchLoader loader = new BatchLoader(data, batch, 1, 2, 1)) {
            BatchLoader.Batch b = loader.get(0);
            Shape px = new Shape(batch, 3, size, size);
            JsonObject extra = new JsonObject();
            JsonArray idsShape = new JsonArray();
            idsShape.add(batch);
            idsShape.add(model.config().textConfig().maxPositionEmbeddings());
            extra.add("ids_shape", idsShape);
            extra.addProperty("grad_checkpointing", checkpointing);
            double[] s = alternate(k -> timeCalls(k, () -> t.step(b)), peerTimer("train", px, extra));
            add(new Row(checkpointing ? "train ckpt" : "train step", preset, batch, "pairs/s", batch / s[0], batch / s[1], Double.NaN, Double.NaN,
                    oursPeakMib(), peerPeakMib(), "not checked (forwards checked above)", note(s)));
            profile((checkpointing ? "train-ckpt-" : "train-") + preset + "-b" + batch, () -> t.step(b));
        }
    }

    private void tokenizer() throws IOException {
        String[] fixture = new Gson().fromJson(Files.readString(o.assets().resolve("inputs/texts.json")),
                String[].class);
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < 1024; i++) {
            texts.add(fixture[i % fixture.length] + " " + i);
        }
        resetPeaks();
        try (SiglipTokenizer tok = SiglipTokenizer.load(o.assets())) {
            String verdict = "not checked";
            JsonObject extra = new JsonObject();
            JsonArray arr = new JsonArray();
            texts.forEach(arr::add);
            extra.add("texts", arr);
            if (peer != null) {
                JsonObject req = req("tokenizer");
                req.addProperty("dir", o.assets().toAbsolutePath().toString());
                peer.request(req);
                long[][] ours = tok.encode(texts);
                Path f = work.resolve("peer-ids.bin");
                JsonObject run = req("run");
                run.addProperty("row", "tokenizer");
                run.addProperty("out", f.toString());
                run.add("texts", arr);
                peer.request(run);
                ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
                int bad = 0;
                for (long[] row : ours) {
                    for (long id : row) {
                        bad += bb.getLong() == id ? 0 : 1;
                    }
                }
                verdict = bad == 0 ? "ids equal (" + texts.size() + " texts)" : "FAIL: " + bad + " ids differ";
                if (bad != 0) {
                    add(failed("tokenizer", "-", texts.size(), "texts/s", verdict));
                    return;
                }
            }
            double[] t = alternate(k -> timeCalls(k, () -> tok.encode(texts)), peerTimer("tokenizer", null, extra));
            add(new Row("tokenizer", "fixture spiece.model", texts.size(), "texts/s", texts.size() / t[0],
                    texts.size() / t[1], Double.NaN, Double.NaN, oursPeakMib(), peerPeakMib(), verdict,
                    "batch call; " + note(t)));
        }
    }

    private void preprocess() throws IOException {
        List<Path> files = new ArrayList<>();
        Random rnd = new Random(0);
        for (int i = 0; i < 32; i++) {
            int w = 480 + rnd.nextInt(320);
            int h = 360 + rnd.nextInt(240);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = img.createGraphics();
            for (int k = 0; k < 40; k++) {
                g.setColor(new Color(rnd.nextInt(0xFFFFFF)));
                g.fillOval(rnd.nextInt(w), rnd.nextInt(h), 20 + rnd.nextInt(200), 20 + rnd.nextInt(200));
            }
            g.dispose();
            Path f = work.resolve("img" + i + ".jpg");
            ImageIO.write(img, "jpg", f.toFile());
            files.add(f);
        }
        SiglipImageProcessor p = new SiglipImageProcessor(SiglipImageProcessorConfig.defaults(), true);
        JsonObject extra = new JsonObject();
        JsonArray arr = new JsonArray();
        files.forEach(f -> arr.add(f.toString()));
        extra.add("files", arr);
        extra.addProperty("size", p.height());
        resetPeaks();
        String verdict = "not checked";
        if (peer != null) {
            float[] ours = p.preprocessFilesToArray(files);
            verdict = compare(ours, peerRun("preprocess", null, null, extra));
            // JPEG decoders (ImageIO vs libjpeg-turbo) may differ by a level or two
            verdict = verdict.replace("FAIL", "differs");
        }
        double[] t = alternate(k -> timeCalls(k, () -> p.preprocessFilesToArray(files)),
                peerTimer("preprocess", null, extra));
        add(new Row("preprocess", "JPEG ~640x480 -> 224", files.size(), "images/s", files.size() / t[0],
                files.size() / t[1], Double.NaN, Double.NaN, oursPeakMib(), peerPeakMib(), verdict,
                o.threads() + " threads each; " + note(t)));
    }

    /** Zero-shot calls through the pipeline with RSS sampled; growth after warm-up. */
    private void memory() {
        int calls = o.memoryCalls();
        int warm = Math.max(1, calls / 10);
        int every = Math.max(1, calls / 100);
        Path image = o.assets().resolve("inputs/gradient_wide.png");
        List<String> labels = List.of("a cat", "a dog", "a gradient");
        resetPeaks();
        long atWarm = 0;
        long maxAfter = 0;
        List<Long> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ZeroShotImageClassifier zs = ZeroShotImageClassifier.load(o.assets())) {
            for (int i = 1; i <= calls; i++) {
                zs.classifyImage(image, labels);
                if (i % every == 0 || i == warm) {
                    long rss = Rss.currentKib();
                    samples.add(rss);
                    if (i == warm) {
                        atWarm = rss;
                    } else if (i > warm) {
                        maxAfter = Math.max(maxAfter, rss);
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long last = samples.get(samples.size() - 1);
        double growth = (double) (last - atWarm) / atWarm;
        double maxGrowth = (double) (maxAfter - atWarm) / atWarm;
        machine.put("memory_samples_kib", samples);
        add(new Row("memory", "tiny fixture, zero-shot", calls, "calls/s", calls / secs, Double.NaN, Double.NaN,
                Double.NaN, oursPeakMib(), Double.NaN, "-", String.format(Locale.ROOT,
                        "RSS after %d warm-up calls %.0f MiB, at the end %.0f MiB: growth %+.1f%% (max %+.1f%%) %s",
                        warm, atWarm / 1024.0, last / 1024.0, 100 * growth, 100 * maxGrowth,
                        growth < 0.05 ? "< 5%: OK" : ">= 5%: FAIL")));
    }

    // ------------------------------------------------------------------ timing

    /**
     * One warm-up call per side (allocator, kernel selection), whose time sets the block size,
     * then alternating blocks: ours, peer, ours, peer ...
     *
     * @return median seconds per call [ours, peer (NaN without one)], alternations, calls per block
     */
    private double[] alternate(Side ours, Side peerSide) {
        double first = ours.time(1)[0];
        if (peerSide != null) {
            peerSide.time(1);
        }
        double block = o.quick() ? 0.2 : 2.0;
        int k = (int) Math.max(1, Math.min(50, Math.ceil(block / first)));
        // a median needs at least three samples a side: blocks over 12 s alternate three times, only
        // blocks over 30 s (so400m at batch 8 and up) once
        int alternations = o.quick() ? 1 : first * k > 30 ? 1 : first * k > 12 ? 3 : 5;
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < alternations; i++) {
            for (double s : ours.time(k)) {
                a.add(s);
            }
            if (peerSide != null) {
                for (double s : peerSide.time(k)) {
                    b.add(s);
                }
            }
        }
        return new double[] {median(a), b.isEmpty() ? Double.NaN : median(b), alternations, k};
    }

    private static double[] timeCalls(int n, Runnable call) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        return s;
    }

    private Side peerTimer(String row, Shape shape, JsonObject extra) {
        if (peer == null) {
            return null;
        }
        return k -> {
            JsonObject req = req("time");
            req.addProperty("row", row);
            req.addProperty("iters", k);
            if (shape != null) {
                req.add("shape", shapeJson(shape));
            }
            if (extra != null) {
                extra.entrySet().forEach(e -> req.add(e.getKey(), e.getValue()));
            }
            return secs(peer.request(req));
        };
    }

    private float[] peerRun(String row, Path input, Shape shape, JsonObject extra) throws IOException {
        Path f = work.resolve("peer-out.bin");
        JsonObject req = req("run");
        req.addProperty("row", row);
        req.addProperty("out", f.toString());
        if (input != null) {
            req.addProperty("in", input.toString());
        }
        if (shape != null) {
            req.add("shape", shapeJson(shape));
        }
        if (extra != null) {
            extra.entrySet().forEach(e -> req.add(e.getKey(), e.getValue()));
        }
        peer.request(req);
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(v);
        return v;
    }

    /** Relative agreement: max |ours - peer| over max |peer| must stay under 1e-4. */
    static String compare(float[] ours, float[] ref) {
        if (ours.length != ref.length) {
            return "FAIL: " + ours.length + " values vs " + ref.length;
        }
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < ours.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = maxDiff / Math.max(maxRef, 1e-12);
        String s = String.format(Locale.ROOT, "max|diff| %.1e (rel %.1e)", maxDiff, rel);
        return rel <= 1e-4 ? s : "FAIL: " + s;
    }

    // ------------------------------------------------------------------ helpers

    private void add(Row r) {
        rows.add(r);
        out.printf(Locale.ROOT, "%-10s %-22s batch %3d: siglip4j %10.2f %s, PyTorch %10.2f, ratio %5.2f, RSS %s/%s MiB, %s; %s%n",
                r.row(), r.model(), r.batch(), r.ours(), r.unit(), r.peer(), r.ratio(), Report.mib(r.oursRssMib()),
                Report.mib(r.peerRssMib()), r.check(), r.note());
        out.flush();
    }

    private Row failed(String row, String model, int batch, String unit, String verdict) {
        return new Row(row, model, batch, unit, Double.NaN, Double.NaN, Double.NaN, Double.NaN, oursPeakMib(),
                peerPeakMib(), verdict, "not timed: outputs disagree");
    }

    private static String note(double[] t) {
        return String.format(Locale.ROOT, "%d x %d calls per side", (int) t[2], (int) t[3]);
    }

    private void resetPeaks() {
        // garbage and freed-but-kept memory of the previous row are not this row's memory: a full
        // GC lets G1 give unused heap back, malloc_trim gives back what glibc keeps for reuse
        // (MallocTuning); the peer runs gc.collect() and malloc_trim at the same point
        System.gc();
        MallocTuning.releaseFreeMemory();
        Rss.resetPeak();
        if (peer != null) {
            peer.request("reset_peak");
        }
    }

    private static double oursPeakMib() {
        long k = Rss.peakKib();
        return k < 0 ? Double.NaN : k / 1024.0;
    }

    private double peerPeakMib() {
        return peer == null ? Double.NaN : peer.request("rss").get("peak_kib").getAsLong() / 1024.0;
    }

    private static JsonObject req(String cmd) {
        JsonObject r = new JsonObject();
        r.addProperty("cmd", cmd);
        return r;
    }

    private static JsonArray shapeJson(Shape s) {
        JsonArray a = new JsonArray();
        for (long d : s.getShape()) {
            a.add(d);
        }
        return a;
    }

    private static double[] secs(JsonObject res) {
        JsonArray a = res.getAsJsonArray("secs");
        double[] s = new double[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsDouble();
        }
        return s;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static float[] randomFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private Path writeFloats(float[] v) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        Path f = work.resolve("input.bin");
        Files.write(f, bb.array());
        return f;
    }

    private Path writeLongs(long[] v) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(v);
        Path f = work.resolve("input.bin");
        Files.write(f, bb.array());
        return f;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted((x, y) -> y.getNameCount() - x.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }

    /** Parses "1,8,32". */
    public static List<Integer> intsOf(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::valueOf)
                .toList();
    }
}
