package org.siglip4j.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.metrics.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassificationTrainerTest {
    private static final Path MODEL = Fixtures.file("classification");

    @TempDir
    Path tmp;

    /**
     * 8 noisy images per label of the fixture classifier (cat, dog, gradient, noise, stripes):
     * a class colour in one quadrant-shaped region on black, with per-image noise.
     */
    static final class LabelledImages implements PairSource {
        static final String[] LABELS = {"cat", "dog", "gradient", "noise", "stripes"};
        static final int[][] RGB = {{230, 20, 20}, {20, 200, 40}, {30, 40, 230}, {240, 230, 30}, {200, 200, 200}};
        private final SiglipImageProcessor processor;
        private final String[] labels;

        LabelledImages(SiglipImageProcessor processor, String... labels) {
            this.processor = processor;
            this.labels = labels;
        }

        @Override
        public int size() {
            return labels.length * 8;
        }

        @Override
        public List<String> captions(int i) {
            return List.of(group(i));
        }

        @Override
        public String group(int i) {
            return labels[i % labels.length];
        }

        @Override
        public float[] pixels(int i) {
            return processor.preprocess(image(i));
        }

        @Override
        public String describe(int i) {
            return "labelled " + i;
        }

        RgbImage image(int i) {
            int cls = java.util.Arrays.asList(LABELS).indexOf(group(i));
            SplittableRandom rnd = new SplittableRandom(i);
            byte[] px = new byte[32 * 32 * 3];
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    boolean on = cls % 2 == 0 ? x < 20 : y < 20;
                    for (int c = 0; c < 3; c++) {
                        int v = (on ? RGB[cls][c] : 0) + rnd.nextInt(41) - 20;
                        px[(y * 32 + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                    }
                }
            }
            return new RgbImage(32, 32, px);
        }
    }

    private static LabelledImages data() {
        return new LabelledImages(SiglipImageProcessor.load(MODEL), LabelledImages.LABELS);
    }

    static double accuracy(SiglipForImageClassification model, LabelledImages src) {
        try (NDManager m = NDManager.newBaseManager()) {
            int n = src.size();
            float[] flat = new float[n * 3 * 32 * 32];
            for (int i = 0; i < n; i++) {
                System.arraycopy(src.pixels(i), 0, flat, i * 3 * 32 * 32, 3 * 32 * 32);
            }
            long[] best = model.logits(m.create(flat, new Shape(n, 3, 32, 32))).argMax(1).toLongArray();
            Map<String, Integer> ids = model.config().label2id();
            int hits = 0;
            for (int i = 0; i < n; i++) {
                hits += best[i] == ids.get(src.group(i)) ? 1 : 0;
            }
            return hits / (double) n;
        }
    }

    private static Map<String, float[]> snapshot(SiglipForImageClassification m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void learnsTheClassesOfASyntheticLabelledSet() {
        Path out = tmp.resolve("cls");
        try (NDManager root = NDManager.newBaseManager();
             SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(MODEL, root)) {
            LabelledImages src = data();
            double before = accuracy(model, src);
            assertTrue(before < 0.5, "the untrained head already gets " + before);
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(20).optLearningRate(3e-3).optWarmupSteps(3)
                    .optSteps(40).optShowProgress(false).build();
            SiglipTrainer.Result r;
            try (ClassificationTrainer t = new ClassificationTrainer(model, MODEL, cfg)) {
                r = t.fit(src, false, m -> accuracy(m, src), 20);
            }
            List<Map<String, Object>> log = MetricsLog.read(out.resolve("metrics.jsonl"));
            double first = (Double) log.get(0).get("loss");
            double after = accuracy(model, src);
            assertTrue(r.finalLoss() < first / 3, "loss " + first + " -> " + r.finalLoss());
            assertTrue(after >= 0.95, "accuracy " + before + " -> " + after);
            assertEquals(after, (Double) log.get(log.size() - 1).get("eval_accuracy"), 1e-12);
            // The saved model is a complete HF classifier folder that loads strictly.
            try (SiglipForImageClassification back = SiglipForImageClassification.fromPretrained(r.finalModel(), root)) {
                assertEquals(after, accuracy(back, src), 1e-12);
            }
            assertTrue(Files.isRegularFile(out.resolve("loss.png")));
            assertTrue(Files.isRegularFile(r.finalModel().resolve("preprocessor_config.json")));
        }
    }

    private Map<String, float[]> train(String name, TrainerConfig.Builder b, int steps) {
        try (NDManager root = NDManager.newBaseManager();
             SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(MODEL, root)) {
            TrainerConfig cfg = b.optSteps(steps).optShowProgress(false).optBatchSize(10).optLearningRate(1e-3)
                    .optWarmupSteps(1).optAdamEpsilon(1e-6).build();
            try (ClassificationTrainer t = new ClassificationTrainer(model, MODEL, cfg);
                 BatchLoader loader = new BatchLoader(data(), 10, 3, 1, 0)) {
                for (int s = 0; s < steps; s++) {
                    t.step(loader.get(s));
                }
            }
            return snapshot(model);
        }
    }

    @Test
    void headOnlyTrainingLeavesTheTowerAloneAndDevicesDoNotChangeTheUpdate() {
        Map<String, float[]> start;
        try (NDManager root = NDManager.newBaseManager();
             SiglipForImageClassification m = SiglipForImageClassification.fromPretrained(MODEL, root)) {
            start = snapshot(m);
        }
        Map<String, float[]> head = train("head", TrainerConfig.builder(tmp.resolve("head"))
                .optFreeze(new TrainerConfig.Freeze(true, 0, false, 0)), 2);
        for (String k : start.keySet()) {
            if (k.startsWith("classifier.")) {
                assertFalse(java.util.Arrays.equals(start.get(k), head.get(k)), k + " should train");
            } else {
                assertArrayEquals(start.get(k), head.get(k), 0f, k);
            }
        }
        Map<String, float[]> one = train("one", TrainerConfig.builder(tmp.resolve("one")), 2);
        Map<String, float[]> k2 = train("k2", TrainerConfig.builder(tmp.resolve("k2")).optDevices(2).optAccumulate(2), 2);
        assertFalse(java.util.Arrays.equals(start.get("vision_model.encoder.layers.0.mlp.fc1.weight"),
                one.get("vision_model.encoder.layers.0.mlp.fc1.weight")), "full training moves the tower");
        for (String k : one.keySet()) {
            assertArrayEquals(one.get(k), k2.get(k), 1e-5f, k);
            if (k.startsWith("vision_model.head.")) {
                assertArrayEquals(start.get(k), one.get(k), 0f, k + " is unused and must stay frozen");
            }
        }
    }

    @Test
    void aClassTheModelDoesNotHaveIsAnErrorBeforeTraining() {
        try (NDManager root = NDManager.newBaseManager();
             SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(MODEL, root)) {
            TrainerConfig cfg = TrainerConfig.builder(tmp.resolve("bad")).optBatchSize(4).optSteps(1)
                    .optShowProgress(false).build();
            try (ClassificationTrainer t = new ClassificationTrainer(model, MODEL, cfg)) {
                LabelledImages src = new LabelledImages(SiglipImageProcessor.load(MODEL), "cat", "giraffe");
                SiglipException e = assertThrows(SiglipException.class, () -> t.fit(src, false, null, 0));
                assertTrue(e.getMessage().contains("giraffe") && e.getMessage().contains("dog"), e.getMessage());
                assertEquals(0, t.completedSteps());
            }
        }
    }
}
