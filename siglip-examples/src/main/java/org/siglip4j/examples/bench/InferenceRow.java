package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.siglip4j.core.onnx.Quantization;

/**
 * The tower rows: the vision tower on random pixels at each batch size (presets over 100 GFLOP per
 * image use the large batch sizes) and the text tower on random ids at full length. Outputs are
 * compared with the peer's before anything is timed (the vision tower at its first batch size). The
 * towers run on the engine of {@link Benchmark.Options#policy()} ({@code pooler_output}, as the peer).
 */
final class InferenceRow implements ModelRow {
    private final boolean vision;
    private final List<Integer> batches;
    private final List<Integer> largeBatches;

    private InferenceRow(boolean vision, List<Integer> batches, List<Integer> largeBatches) {
        this.vision = vision;
        this.batches = batches;
        this.largeBatches = largeBatches;
    }

    /** The vision tower at {@code batches}, or {@code largeBatches} for presets over 100 GFLOP per image. */
    static InferenceRow vision(List<Integer> batches, List<Integer> largeBatches) {
        return new InferenceRow(true, batches, largeBatches);
    }

    /** The text tower at one batch size. */
    static InferenceRow text(int batch) {
        return new InferenceRow(false, List.of(batch), List.of(batch));
    }

    @Override
    public void run(BenchRun run, PresetRows.Loaded loaded) throws IOException {
        if (vision) {
            long perImage = loaded.config().visionConfig().forwardFlops();
            boolean check = true;
            for (int batch : perImage > 100e9 ? largeBatches : batches) {
                vision(run, loaded, batch, perImage, check);
                check = false;
            }
        } else {
            text(run, loaded, batches.get(0));
        }
    }

    private static void vision(BenchRun run, PresetRows.Loaded loaded, int batch, long perImage, boolean check)
            throws IOException {
        int size = loaded.config().visionConfig().imageSize();
        Shape shape = new Shape(batch, 3, size, size);
        float[] px = BenchRun.randomFloats((int) shape.size(), batch);
        run.resetPeaks();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray pixels = m.create(px, shape);
            towerRow(run, "vision", loaded.preset(), batch, "images/s", perImage, check, shape,
                    () -> run.writeFloats(px), () -> loaded.engine().imageFeatures(pixels, false), "");
        }
    }

    private static void text(BenchRun run, PresetRows.Loaded loaded, int batch) throws IOException {
        int len = loaded.config().textConfig().maxPositionEmbeddings();
        int vocab = loaded.config().textConfig().vocabSize();
        Shape shape = new Shape(batch, len);
        long[] ids = new long[(int) shape.size()];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + r.nextInt(Math.min(vocab, 500) - 3);
        }
        long perText = loaded.config().textConfig().forwardFlops(len);
        run.resetPeaks();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray input = m.create(ids, shape);
            towerRow(run, "text", loaded.preset(), batch, "texts/s", perText, true, shape, () -> run.writeLongs(ids),
                    () -> loaded.engine().textFeatures(input, false), len + " tokens; ");
        }
    }

    /**
     * A tower row: outputs compared with the peer first (when {@code check}), then ours and the
     * peer's calls alternated, the row added, and with {@code --profile} one profiled call after
     * the row's peak RSS was read (under the profiler libtorch frees memory later).
     */
    private static void towerRow(BenchRun run, String row, String preset, int batch, String unit, long flopsPerItem,
            boolean check, Shape shape, BenchRun.PeerInput input, Supplier<NDArray> call, String notePrefix)
            throws IOException {
        String verdict = "not checked";
        if (check && run.peer != null) {
            float[] ours;
            try (NDArray f = call.get()) {
                ours = f.toFloatArray();
            }
            verdict = Benchmark.compare(ours, run.peerRun(row, input.write(), shape, null));
            if (run.options.policy().quantization() != Quantization.FLOAT32) {
                // two quantisations of the same weights (ours and the peer's) agree only to their
                // rounding: the difference is reported, the row is timed
                verdict = verdict.replace("FAIL", "differs (quantised)");
            }
            if (verdict.startsWith("FAIL")) {
                run.add(run.failed(row, preset, batch, unit, verdict));
                return;
            }
        }
        double[] t = run.alternate(k -> BenchRun.timeCalls(k, () -> call.get().close()),
                run.peerTimer(row, shape, null));
        double oursRate = batch / t[0];
        double peerRate = batch / t[1];
        run.add(new Benchmark.Row(row, preset, batch, unit, oursRate, peerRate, oursRate * flopsPerItem / 1e9 / run.gemmOurs,
                peerRate * flopsPerItem / 1e9 / run.gemmOurs, BenchRun.oursPeakMib(), run.peerPeakMib(), verdict,
                run.engineNote() + notePrefix + BenchRun.note(t)));
        run.profile(row + "-" + preset + "-b" + batch, () -> call.get().close());
    }
}
