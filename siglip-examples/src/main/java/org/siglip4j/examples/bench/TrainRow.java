package org.siglip4j.examples.bench;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.data.RandomPairs;

/**
 * One optimiser step (forward, sigmoid loss, backward, clipping, AdamW) on random pairs at each
 * training batch size; {@link #checkpointed} with activation checkpointing per encoder layer on both
 * sides (ours: {@link TrainerConfig#gradientCheckpointing()}; the peer: {@code torch.utils.checkpoint}
 * per layer, as HF's {@code gradient_checkpointing_enable()}).
 */
final class TrainRow implements ModelRow {
    private final List<Integer> batches;
    private final boolean checkpointing;

    private TrainRow(List<Integer> batches, boolean checkpointing) {
        this.batches = batches;
        this.checkpointing = checkpointing;
    }

    /** The plain step ("train step" rows). */
    static TrainRow plain(List<Integer> batches) {
        return new TrainRow(batches, false);
    }

    /** The step with activation checkpointing ("train ckpt" rows). */
    static TrainRow checkpointed(List<Integer> batches) {
        return new TrainRow(batches, true);
    }

    @Override
    public void run(BenchRun run, PresetRows.Loaded loaded) throws IOException {
        for (int batch : batches) {
            step(run, loaded.model(), loaded.preset(), batch);
        }
    }

    @Override
    public boolean trains() {
        return true;
    }

    private void step(BenchRun run, SiglipModel model, String preset, int batch) throws IOException {
        int size = model.config().visionConfig().imageSize();
        run.resetPeaks();
        PairSource data = new RandomPairs(batch * 2, size);
        Path outDir = run.work.resolve("train-" + batch);
        TrainerConfig cfg = TrainerConfig.builder(outDir).optBatchSize(batch).optSteps(1_000_000)
                .optLearningRate(1e-5).optWarmupSteps(0).optShowProgress(false)
                .optGradientCheckpointing(checkpointing).build();
        try (SiglipTokenizer tok = SiglipTokenizer.load(run.options.assets());
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
            double[] s = run.alternate(k -> BenchRun.timeCalls(k, () -> t.step(b)), run.peerTimer("train", px, extra));
            run.add(new Benchmark.Row(checkpointing ? "train ckpt" : "train step", preset, batch, "pairs/s",
                    batch / s[0], batch / s[1], Double.NaN, Double.NaN, BenchRun.oursPeakMib(), run.peerPeakMib(),
                    "not checked (forwards checked above)", BenchRun.note(s)));
            run.profile((checkpointing ? "train-ckpt-" : "train-") + preset + "-b" + batch, () -> t.step(b));
        }
    }
}
