package org.siglip4j.train;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.TerminalProgress;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.metrics.MetricsLog;
import org.siglip4j.train.metrics.TrainingPlot;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * The run loop of every {@link Trainer}: resume, load
 * batches, step, log every step to {@code OUT/metrics.jsonl}, evaluate, checkpoint, progress
 * bar, then the final model folder and the loss plot. What a step computes is the trainer's.
 */
final class TrainingLoop {

    private TrainingLoop() {}

    static Trainer.Result run(Trainer trainer, PairSource data, boolean resume,
                              DoubleSupplier eval, int evalEvery, String title) {
        TrainerConfig config = trainer.config();
        Path out = config.outputDir();
        try {
            Files.createDirectories(out);
        } catch (java.io.IOException e) {
            throw new SiglipException("cannot create output folder " + out + ": " + e.getMessage(), e);
        }
        CheckpointStore checkpoints = trainer.checkpoints();
        if (resume) {
            checkpoints.latest().ifPresent(trainer::restore);
        }
        int start = trainer.completedSteps();
        List<String> skipped = new ArrayList<>();
        double lastLoss = Double.NaN;
        long t0 = System.nanoTime();
        long pairs = 0;
        try (MetricsLog log = MetricsLog.open(out.resolve("metrics.jsonl"), resume ? start : -1);
             // the collator's tokenization runs on the loader's thread, overlapping the previous step
             BatchLoader loader = new BatchLoader(data, config.batchSize(), config.seed(), config.workers(),
                     config.prefetch(), trainer.task().collator()::prepare);
             TerminalProgress bar = TerminalProgress.start(new PrintWriter(System.err, true), "train",
                     config.steps(), "steps", 1, config.showProgress())) {
            bar.stepTo(start);
            int epoch = -1;
            List<String> epochSkips = new ArrayList<>();
            while (trainer.completedSteps() < config.steps()) {
                BatchLoader.Batch batch = loader.get(trainer.completedSteps());
                if (batch.epoch() != epoch) {
                    reportSkips(epoch, epochSkips, log);
                    epoch = batch.epoch();
                    epochSkips.clear();
                }
                epochSkips.addAll(batch.failures());
                skipped.addAll(batch.failures());
                Trainer.StepResult r = trainer.step(batch);
                int completed = trainer.completedSteps();
                lastLoss = r.loss();
                pairs += r.pairs();
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("step", r.step());
                row.put("epoch", batch.epoch());
                row.put("loss", r.loss());
                row.put("lr", r.learningRate());
                row.put("grad_norm", r.gradNorm());
                trainer.addMetrics(row);
                row.put("pairs_per_s", pairs / secs);
                boolean evalNow = eval != null && (completed == config.steps()
                        || (evalEvery > 0 && completed % evalEvery == 0));
                if (evalNow) {
                    row.put("eval_accuracy", eval.getAsDouble());
                }
                log.log(row);
                TrainingProgress progress = new TrainingProgress(completed, config.steps(), batch.epoch(), r.loss(),
                        r.learningRate(), r.gradNorm(), pairs / secs, row.get("eval_accuracy") instanceof Double acc
                                ? java.util.OptionalDouble.of(acc) : java.util.OptionalDouble.empty(), row);
                trainer.listeners().forEach(l -> l.onStep(progress));
                bar.setMessage(String.format(java.util.Locale.ROOT, "loss %.4f lr %.2e %.1f pairs/s", r.loss(),
                        r.learningRate(), pairs / secs));
                bar.stepTo(completed);
                if (config.checkpointEvery() > 0 && completed % config.checkpointEvery() == 0) {
                    Path saved = trainer.saveCheckpoint(lastLoss);
                    trainer.listeners().forEach(l -> l.onCheckpoint(completed, saved));
                }
            }
            reportSkips(epoch, epochSkips, log);
        }
        int completed = trainer.completedSteps();
        if (checkpoints.latest().filter(p -> CheckpointStore.readState(p).step() == completed).isEmpty()) {
            Path saved = trainer.saveCheckpoint(lastLoss);
            trainer.listeners().forEach(l -> l.onCheckpoint(completed, saved));
        }
        trainer.listeners().forEach(l -> l.onStepsDone(completed));
        Path finalModel = out.resolve("model");
        checkpoints.writeModel(trainer.model(), finalModel);
        TrainingPlot.write(MetricsLog.read(out.resolve("metrics.jsonl")), title + ": " + out.getFileName(),
                out.resolve("loss.png"));
        double secs = (System.nanoTime() - t0) / 1e9;
        Trainer.Result result = new Trainer.Result(completed, lastLoss, pairs / Math.max(secs, 1e-9), secs,
                skipped, finalModel);
        trainer.listeners().forEach(l -> l.onFinish(result));
        return result;
    }

    private static void reportSkips(int epoch, List<String> skips, MetricsLog log) {
        if (epoch >= 0 && !skips.isEmpty()) {
            System.err.printf("epoch %d: %d bad records skipped, e.g. %s%n", epoch, skips.size(), skips.get(0));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch_end", epoch);
            row.put("skipped_records", skips.size());
            log.log(row);
        }
    }
}
