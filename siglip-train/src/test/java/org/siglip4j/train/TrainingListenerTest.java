package org.siglip4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.metrics.MetricsLog;

/** An application sees every step, checkpoint and the end of a run, equal to what the log records. */
class TrainingListenerTest {

    @Test
    void listenerSeesWhatTheMetricsLogRecords(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        List<TrainingProgress> steps = new ArrayList<>();
        List<Integer> checkpoints = new ArrayList<>();
        List<SiglipTrainer.Result> finished = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir().toString(), root);
                SiglipTokenizer tok = SiglipTokenizer.load(Fixtures.dir())) {
            SiglipImageProcessor proc = SiglipImageProcessor.load(Fixtures.dir());
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(8).optLearningRate(1e-3).optWarmupSteps(2)
                    .optSteps(4).optCheckpointEvery(2).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, Fixtures.dir(), cfg)) {
                t.addListener(new TrainingListener() {
                    @Override
                    public void onStep(TrainingProgress p) {
                        steps.add(p);
                    }

                    @Override
                    public void onCheckpoint(int step, Path checkpoint) {
                        assertTrue(Files.isDirectory(checkpoint), checkpoint.toString());
                        checkpoints.add(step);
                    }

                    @Override
                    public void onFinish(SiglipTrainer.Result result) {
                        finished.add(result);
                    }
                });
                t.fit(new SyntheticPairs(proc, 32), false, m -> 0.25, 2);
            }
        }
        List<Map<String, Object>> rows = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(4, steps.size());
        assertEquals(rows.size(), steps.size());
        for (int i = 0; i < 4; i++) {
            TrainingProgress p = steps.get(i);
            assertEquals(i + 1, p.step());
            assertEquals(4, p.totalSteps());
            assertEquals((Double) rows.get(i).get("loss"), p.loss(), 0.0);
            assertEquals((Double) rows.get(i).get("lr"), p.learningRate(), 0.0);
            assertEquals(p.step() % 2 == 0, p.evalAccuracy().isPresent(), "eval every 2 steps");
        }
        assertEquals(0.25, steps.get(3).evalAccuracy().getAsDouble(), 0.0);
        assertEquals(List.of(2, 4), checkpoints);
        assertEquals(1, finished.size());
        assertEquals(4, finished.get(0).steps());
        assertEquals(steps.get(3).loss(), finished.get(0).finalLoss(), 0.0);
    }

    /**
     * The end of the steps is told once, after the last checkpoint and before the final model
     * folder is written: where an application releases memory (ReleaseFreeMemory); the trainer
     * itself no longer touches the allocator.
     */
    @Test
    void stepsDoneComesAfterTheLastCheckpointAndBeforeTheFinalModel(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        List<String> events = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir().toString(), root);
                SiglipTokenizer tok = SiglipTokenizer.load(Fixtures.dir())) {
            SiglipImageProcessor proc = SiglipImageProcessor.load(Fixtures.dir());
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(8).optLearningRate(1e-3).optWarmupSteps(1)
                    .optSteps(2).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, Fixtures.dir(), cfg)) {
                t.addListener(new ReleaseFreeMemory());
                t.addListener(new TrainingListener() {
                    @Override
                    public void onCheckpoint(int step, Path checkpoint) {
                        events.add("checkpoint " + step);
                    }

                    @Override
                    public void onStepsDone(int completedSteps) {
                        assertFalse(Files.exists(out.resolve("model")), "final model not written yet");
                        events.add("done " + completedSteps);
                    }

                    @Override
                    public void onFinish(SiglipTrainer.Result result) {
                        assertTrue(Files.isDirectory(result.finalModel()));
                        events.add("finish");
                    }
                });
                t.fit(new SyntheticPairs(proc, 16), false, null, 0);
            }
        }
        assertEquals(List.of("checkpoint 2", "done 2", "finish"), events);
    }
}
