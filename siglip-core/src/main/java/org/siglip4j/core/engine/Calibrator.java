package org.siglip4j.core.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.nn.KernelCalibration;
import org.siglip4j.core.nn.KernelCalibration.BudgetTiming;
import org.siglip4j.core.nn.KernelCalibration.LinearTiming;
import org.siglip4j.core.nn.LinearCalibration;
import org.siglip4j.core.nn.LinearCalibration.LinearShape;
import org.siglip4j.core.nn.LinearKernel;
import org.siglip4j.core.nn.MachineKey;

/**
 * Measures this machine's {@link KernelCalibration}: the linear kernels on a model's shapes
 * ({@link LinearCalibration}), then, with the kernels picked, a few chunk budgets on the model
 * itself (a vision inference batch; a training forward and backward through both towers). Nothing
 * is decided by the CPU's name; only measurements on this machine, at libtorch's current thread
 * count, decide. A budget other than the built-in one is picked only when it is more than 5%
 * faster, so timing noise alone never moves it.
 */
public final class Calibrator {
    /** Images per inference call when budgets are timed: two chunks of the built-in 24 MiB at ViT-B/16. */
    static final int INFERENCE_BATCH = 16;
    /** Pairs per training step when budgets are timed (the bench's "train step" b8 row). */
    static final int TRAINING_BATCH = 8;
    /** Timed calls per candidate after one untimed call, candidates alternating. */
    static final int ROUNDS = 3;
    static final long MIB = 1 << 20;
    static final List<Long> INFERENCE_BUDGETS = List.of(12 * MIB, ComputePolicy.DEFAULT.inferenceChunkBytes(), 48 * MIB);
    static final List<Long> TRAINING_BUDGETS = List.of(6 * MIB, ComputePolicy.DEFAULT.trainingChunkBytes(), 24 * MIB);

    private Calibrator() {}

    /**
     * Measures and picks; the model runs with its own compute policy again afterwards.
     *
     * @param model the model whose shapes are measured (its weights do not matter)
     * @param name what to record as the model (a preset name or a folder)
     * @param progress receives one line per measurement
     * @return the calibration, not yet saved ({@link org.siglip4j.core.nn.CalibrationCache#save})
     */
    public static KernelCalibration calibrate(SiglipModel model, String name, Consumer<String> progress) {
        MachineKey key = MachineKey.current();
        progress.accept("calibrating on " + key.cpu() + ", " + key.threads() + " threads, libtorch " + key.libtorch());
        List<LinearTiming> linear = LinearCalibration.measure(shapes(model.config()), ROUNDS, progress);
        LinearCalibration.Picks picks = LinearCalibration.pick(linear);
        progress.accept("linear: " + picks.inference().label() + " for inference, " + picks.training().label()
                + " for training");
        ComputePolicy own = model.compute();
        ComputePolicy kernels = ComputePolicy.DEFAULT.withOneDnnLinear(
                picks.inference() == LinearKernel.ONEDNN_CONV,
                picks.training() == LinearKernel.ONEDNN_CONV);
        List<BudgetTiming> budgets = new ArrayList<>();
        try {
            budgets.addAll(timeBudgets(model, kernels, false, progress));
            budgets.addAll(timeBudgets(model, kernels, true, progress));
        } finally {
            model.setCompute(own);
        }
        long inference = pickBudget(budgets, false, ComputePolicy.DEFAULT.inferenceChunkBytes());
        long training = pickBudget(budgets, true, ComputePolicy.DEFAULT.trainingChunkBytes());
        return new KernelCalibration(KernelCalibration.FORMAT, key, name, picks.inference(), picks.training(), inference,
                training, linear, budgets);
    }

    /**
     * The linear shapes the model runs: per tower, D -> D (attention projections), D -> I and
     * I -> D (MLP), at the rows of one inference chunk of {@link #INFERENCE_BATCH} and one training
     * chunk of {@link #TRAINING_BATCH} under the built-in budgets (as the model splits a batch).
     */
    static List<LinearShape> shapes(SiglipConfig c) {
        long patches = c.visionConfig().imageSize() / c.visionConfig().patchSize();
        Map<String, LinearShape> shapes = new LinkedHashMap<>();
        addTower(shapes, "vision", patches * patches, c.visionConfig().hiddenSize(), c.visionConfig().intermediateSize());
        addTower(shapes, "text", c.textConfig().maxPositionEmbeddings(), c.textConfig().hiddenSize(),
                c.textConfig().intermediateSize());
        return List.copyOf(shapes.values());
    }

    private static void addTower(Map<String, LinearShape> shapes, String tower, long tokens, long d, long i) {
        long rowBytes = Float.BYTES * tokens * i;
        long[][] pairs = {{d, d}, {d, i}, {i, d}};
        for (boolean training : new boolean[] {false, true}) {
            long budget = training ? ComputePolicy.DEFAULT.trainingChunkBytes() : ComputePolicy.DEFAULT.inferenceChunkBytes();
            long rows = chunkRows(training ? TRAINING_BATCH : INFERENCE_BATCH, rowBytes, budget) * tokens;
            for (long[] p : pairs) {
                shapes.putIfAbsent(p[0] + ":" + p[1] + ":" + rows,
                        new LinearShape(tower + (training ? " training" : " inference"), p[0], p[1], rows));
            }
        }
    }

    /** The rows (images or texts) of the largest of the equal chunks a batch is split into under a budget. */
    static long chunkRows(long batch, long rowBytes, long budget) {
        long maxRows = Math.max(1, budget / Math.max(1, rowBytes));
        long chunks = (batch + maxRows - 1) / maxRows;
        return (batch + chunks - 1) / chunks;
    }

    /**
     * The fastest budget of one kind; {@code builtIn} unless another is more than 5% faster.
     *
     * @param timings the measurements (both kinds)
     * @param training which kind to pick for
     * @param builtIn the built-in budget of that kind
     */
    static long pickBudget(List<BudgetTiming> timings, boolean training, long builtIn) {
        Map<Long, Double> millis = new LinkedHashMap<>();
        for (BudgetTiming t : timings) {
            if (t.training() == training) {
                millis.put(t.bytes(), t.millis());
            }
        }
        Double reference = millis.get(builtIn);
        long best = builtIn;
        double bestMillis = reference == null ? Double.POSITIVE_INFINITY : reference;
        for (Map.Entry<Long, Double> e : millis.entrySet()) {
            if (e.getValue() < bestMillis) {
                best = e.getKey();
                bestMillis = e.getValue();
            }
        }
        return reference != null && bestMillis > reference * (1 - LinearCalibration.MARGIN) ? builtIn : best;
    }

    private static List<BudgetTiming> timeBudgets(SiglipModel model, ComputePolicy kernels, boolean training,
            Consumer<String> progress) {
        List<Long> candidates = training ? TRAINING_BUDGETS : INFERENCE_BUDGETS;
        int batch = training ? TRAINING_BATCH : INFERENCE_BATCH;
        double[][] ms = new double[candidates.size()][ROUNDS];
        try (NDManager m = model.manager().newSubManager()) {
            SiglipConfig c = model.config();
            int size = c.visionConfig().imageSize();
            NDArray pixels = m.randomUniform(-1, 1, new Shape(batch, 3, size, size));
            NDArray ids = m.randomInteger(0, c.textConfig().vocabSize(), new Shape(batch,
                    c.textConfig().maxPositionEmbeddings()), DataType.INT64);
            for (int r = -1; r < ROUNDS; r++) {
                for (int k = 0; k < candidates.size(); k++) {
                    long bytes = candidates.get(k);
                    model.setCompute(training ? kernels.withChunkBytes(kernels.inferenceChunkBytes(), bytes)
                            : kernels.withChunkBytes(bytes, kernels.trainingChunkBytes()));
                    long t0 = System.nanoTime();
                    if (training) {
                        trainStep(model, pixels, ids);
                    } else {
                        try (GradMode off = GradMode.disabled(); NDArray f = model.getImageFeatures(pixels)) {
                            f.toFloatArray();
                        }
                    }
                    if (r >= 0) {
                        ms[k][r] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
        List<BudgetTiming> result = new ArrayList<>();
        for (int k = 0; k < candidates.size(); k++) {
            BudgetTiming t = new BudgetTiming(training, candidates.get(k), batch, LinearCalibration.median(ms[k]));
            result.add(t);
            progress.accept(String.format(Locale.ROOT, "%s chunks %s: %.0f ms per %s of %d", training ? "training"
                    : "inference", KernelCalibration.mib(t.bytes()), t.millis(), training ? "forward and backward" : "vision call",
                    batch));
        }
        return result;
    }

    /** Both towers forward under autograd and backward, as a training step computes them (no optimiser). */
    private static void trainStep(SiglipModel model, NDArray pixels, NDArray ids) {
        try (NDManager step = pixels.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray image = model.getImageFeatures(ps, pixels, true);
                NDArray text = model.getTextFeatures(ps, ids, true);
                gc.backward(image.sum().add(text.sum()));
            }
        }
    }

}
