package org.siglip4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.SystemProperties;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.data.Augmentation;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.metrics.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SiglipTrainerTest {
    @TempDir
    Path tmp;

    private static final Path MODEL = Fixtures.dir();

    private static Map<String, float[]> snapshot(SiglipModel m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.namedParameters().forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    /** Trains {@code steps} steps from the fixture model and returns the final parameters. */
    private Map<String, float[]> train(String name, int steps, TrainerConfig.Builder b) {
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
             SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            PairSource src = new SyntheticPairs(SiglipImageProcessor.load(MODEL), 32);
            TrainerConfig cfg = b.optSteps(steps).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg);
                 BatchLoader loader = new BatchLoader(src, cfg.batchSize(), cfg.seed(), 2, 0)) {
                for (int s = 0; s < steps; s++) {
                    t.step(loader.get(s));
                }
            }
            return snapshot(model);
        }
    }

    /**
     * A training step must leave nothing attached to the model's manager: the demo run grew by
     * 25 MB a step (optimiser temporaries and gradient handles) until it swapped.
     */
    @ParameterizedTest(name = "devices={0} accumulate={1} checkpointing={2}")
    @CsvSource({"1, 1, false", "2, 1, false", "1, 2, false", "1, 1, true", "2, 2, true"})
    void stepsLeaveNoNativeArraysBehind(int devices, int accumulate, boolean checkpointing) {
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
             SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            PairSource src = new SyntheticPairs(SiglipImageProcessor.load(MODEL), 32);
            TrainerConfig cfg = base("leak" + devices + accumulate).optDevices(devices).optAccumulate(accumulate)
                    .optGradientCheckpointing(checkpointing).optSteps(8).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg);
                 BatchLoader loader = new BatchLoader(src, cfg.batchSize(), cfg.seed(), 2, 0)) {
                t.step(loader.get(0));
                t.step(loader.get(1));
                Set<String> before = new HashSet<>();
                root.getManagedArrays().forEach(a -> before.add(a.getUid()));
                for (int s = 2; s < 8; s++) {
                    t.step(loader.get(s));
                }
                // Each step gives the trainable parameters new handles (AdamW.releaseGradients
                // frees the gradients that way); the current ones are not left behind.
                model.namedParameters().values().forEach(p -> before.add(p.getArray().getUid()));
                Map<String, Integer> left = new TreeMap<>();
                for (NDArray a : root.getManagedArrays()) {
                    if (!before.contains(a.getUid())) {
                        left.merge(a.getShape() + " " + a.getDataType(), 1, Integer::sum);
                    }
                }
                assertEquals(Map.of(), left, "arrays (shape dtype -> count) left behind by 6 steps");
            }
        }
    }

    private static void assertSameParams(Map<String, float[]> want, Map<String, float[]> got, double tol) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            float[] a = want.get(k);
            float[] b = got.get(k);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], tol, k + "[" + i + "]");
            }
        }
    }

    private TrainerConfig.Builder base(String name) {
        return TrainerConfig.builder(tmp.resolve(name)).optBatchSize(12).optLearningRate(1e-3).optWarmupSteps(1)
                .optWeightDecay(0.01).optClipNorm(1.0)
                // The key biases' true gradient is 0; with Adam's default eps their float noise
                // would be amplified to ~lr-sized steps that differ with the reduction order.
                .optAdamEpsilon(1e-6);
    }

    @Test
    void kDevicesAndAccumulationComputeTheSameUpdateAsOneDevice() {
        Map<String, float[]> one = train("one", 3, base("one"));
        Map<String, float[]> before = train("none", 1, base("none").optLearningRate(1e-12));
        // The update is real: parameters moved well beyond the tolerance.
        double moved = 0;
        for (String k : one.keySet()) {
            for (int i = 0; i < one.get(k).length; i++) {
                moved = Math.max(moved, Math.abs(one.get(k)[i] - before.get(k)[i]));
            }
        }
        assertTrue(moved > 1e-3, "parameters moved only " + moved);
        assertSameParams(one, train("k2", 3, base("k2").optDevices(2)), 1e-5);
        assertSameParams(one, train("k4", 3, base("k4").optDevices(4)), 1e-5);
        assertSameParams(one, train("acc3", 3, base("acc3").optAccumulate(3)), 1e-5);
        assertSameParams(one, train("k2acc2", 3, base("k2acc2").optDevices(2).optAccumulate(2)), 1e-5);
    }

    /**
     * Gradient checkpointing recomputes each encoder layer in the backward pass; the update must
     * be the plain step's, alone, with devices and accumulation, with one chunk per pair, and with
     * a partly frozen tower.
     */
    @Test
    void gradientCheckpointingComputesTheSameUpdate() {
        Map<String, float[]> one = train("plain", 3, base("plain"));
        assertSameParams(one, train("ckpt", 3, base("ckpt").optGradientCheckpointing(true)), 1e-5);
        assertSameParams(one, train("ckpt-k2acc2", 3,
                base("ckpt-k2acc2").optDevices(2).optAccumulate(2).optGradientCheckpointing(true)), 1e-5);
        SystemProperties.with(PretrainedSiglip.CHUNK_PROPERTY, "1", () -> assertSameParams(one,
                train("ckpt-chunked", 3, base("ckpt-chunked").optGradientCheckpointing(true)), 1e-5));
        TrainerConfig.Freeze lit1 = new TrainerConfig.Freeze(true, 1, false, 0);
        assertSameParams(train("lit1", 3, base("lit1").optFreeze(lit1)),
                train("lit1-ckpt", 3, base("lit1-ckpt").optFreeze(lit1).optGradientCheckpointing(true)), 1e-5);
    }

    @Test
    void lockedImageTuningLeavesTheVisionTowerBitIdentical() {
        Map<String, float[]> start;
        try (NDManager root = NDManager.newBaseManager(); SiglipModel m = SiglipModel.fromPretrained(MODEL, root)) {
            start = snapshot(m);
        }
        Map<String, float[]> lit = train("lit", 3, base("lit").optFreeze(new TrainerConfig.Freeze(true, 0, false, 0)));
        Map<String, float[]> unlock = train("lit1", 3,
                base("lit1").optFreeze(new TrainerConfig.Freeze(true, 1, false, 0)));
        for (String k : start.keySet()) {
            if (k.startsWith("vision_model.")) {
                assertArrayEquals(start.get(k), lit.get(k), 0f, k);
                boolean reopened = k.startsWith("vision_model.encoder.layers.1.") || k.startsWith("vision_model.head")
                        || k.startsWith("vision_model.post_layernorm");
                if (reopened) {
                    assertFalse(java.util.Arrays.equals(start.get(k), unlock.get(k)), k + " should train");
                } else {
                    assertArrayEquals(start.get(k), unlock.get(k), 0f, k);
                }
            } else if (k.startsWith("text_model.encoder")) {
                assertFalse(java.util.Arrays.equals(start.get(k), lit.get(k)), k + " should train");
            }
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun() {
        assertResumeIsExact("", false);
    }

    @Test
    void resumedRunEqualsUninterruptedRunWithAugmentation() {
        assertResumeIsExact("aug-", true);
    }

    private void assertResumeIsExact(String prefix, boolean augment) {
        Path straightDir = tmp.resolve(prefix + "straight");
        Path resumedDir = tmp.resolve(prefix + "resumed");
        Map<String, float[]> straight = fit(straightDir, 5, false, Integer.MAX_VALUE, augment);
        // A crash during step 6 (after checkpoint 5 was written), then a resume.
        assertThrows(IllegalStateException.class, () -> fit(resumedDir, 5, false, 6, augment));
        assertEquals(5, MetricsLog.read(resumedDir.resolve("metrics.jsonl")).size());
        Map<String, float[]> resumed = fit(resumedDir, 5, true, Integer.MAX_VALUE, augment);
        assertSameParams(straight, resumed, 0);
        List<Map<String, Object>> a = MetricsLog.read(straightDir.resolve("metrics.jsonl"));
        List<Map<String, Object>> b = MetricsLog.read(resumedDir.resolve("metrics.jsonl"));
        assertEquals(10, b.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(a.get(i).get("loss"), b.get(i).get("loss"), "loss at step " + (i + 1));
        }
        assertTrue(Files.isRegularFile(resumedDir.resolve("loss.png")));
        assertTrue(Files.isRegularFile(resumedDir.resolve("model/model.safetensors")));
        assertTrue(Files.isRegularFile(resumedDir.resolve("model/tokenizer.json")));
    }

    /** Runs 10 steps with checkpoints every {@code every}; the eval hook crashes on call {@code crashAt}. */
    private Map<String, float[]> fit(Path out, int every, boolean resume, int crashAt, boolean augment) {
        int steps = 10;
        int[] calls = {0};
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
             SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            SiglipImageProcessor proc = SiglipImageProcessor.load(MODEL);
            PairSource src = augment ? new AugmentedPairs(new SyntheticPairs(proc, 32), proc, Augmentation.standard())
                    : new SyntheticPairs(proc, 32);
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(8).optLearningRate(1e-3).optWarmupSteps(2)
                    .optSteps(steps).optCheckpointEvery(every).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg)) {
                SiglipTrainer.Result r = t.fit(src, resume, m -> {
                    if (++calls[0] == crashAt) {
                        throw new IllegalStateException("simulated crash");
                    }
                    return 0;
                }, 1);
                assertEquals(steps, r.steps());
            }
            return snapshot(model);
        }
    }

    /** The synthetic pairs with train-time augmentation on their 32x32 images. */
    private record AugmentedPairs(SyntheticPairs base, SiglipImageProcessor proc, Augmentation aug)
            implements PairSource {
        @Override
        public int size() {
            return base.size();
        }

        @Override
        public List<String> captions(int i) {
            return base.captions(i);
        }

        @Override
        public String group(int i) {
            return null;
        }

        @Override
        public float[] pixels(int i) {
            return base.pixels(i);
        }

        @Override
        public float[] pixels(int i, long seed) {
            return aug.preprocess(proc, SyntheticPairs.image(i), seed);
        }

        @Override
        public String describe(int i) {
            return base.describe(i);
        }
    }

    @Test
    void augmentationChangesWhatTheModelSees() throws Exception {
        SiglipImageProcessor proc = SiglipImageProcessor.load(MODEL);
        PairSource src = new AugmentedPairs(new SyntheticPairs(proc, 32), proc, Augmentation.standard());
        try (BatchLoader a = new BatchLoader(src, 8, 5, 2, 0); BatchLoader b = new BatchLoader(src, 8, 5, 1, 1)) {
            BatchLoader.Batch first = a.get(3);
            BatchLoader.Batch again = b.get(3);
            int differ = 0;
            for (int k = 0; k < 8; k++) {
                // Same step, same seed: identical pixels whatever the threads and prefetching.
                assertArrayEquals(first.pixels().get(k), again.pixels().get(k));
                differ += java.util.Arrays.equals(first.pixels().get(k), src.pixels(
                        Integer.parseInt(describeIndex(src, first.texts().get(k))))) ? 0 : 1;
            }
            assertTrue(differ > 0, "augmentation left every image unchanged");
        }
    }

    private static String describeIndex(PairSource src, String caption) {
        for (int i = 0; i < src.size(); i++) {
            if (src.captions(i).get(0).equals(caption)) {
                return Integer.toString(i);
            }
        }
        throw new IllegalStateException(caption);
    }

    @Test
    void learnsToRetrieveTheRightCaption() {
        Path out = tmp.resolve("learn");
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
             SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            SiglipImageProcessor proc = SiglipImageProcessor.load(MODEL);
            SyntheticPairs src = new SyntheticPairs(proc, 32);
            double before = inBatchAccuracy(model, tok, src);
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(32).optLearningRate(1e-3).optWarmupSteps(10)
                    .optSteps(200).optWeightDecay(1e-4).optShowProgress(false).build();
            SiglipTrainer.Result r;
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg)) {
                r = t.fit(src, false, m -> inBatchAccuracy(m, tok, src), 50);
            }
            List<Map<String, Object>> log = MetricsLog.read(out.resolve("metrics.jsonl"));
            double first = (Double) log.get(0).get("loss");
            double after = inBatchAccuracy(model, tok, src);
            assertTrue(r.finalLoss() < first / 3, "loss " + first + " -> " + r.finalLoss());
            assertTrue(after > 0.95, "in-batch retrieval accuracy " + before + " -> " + after);
        }
    }

    /** Fraction of images whose own caption scores highest among all captions of the set. */
    static double inBatchAccuracy(SiglipModel model, SiglipTokenizer tok, SyntheticPairs src) {
        try (NDManager m = NDManager.newBaseManager()) {
            List<float[]> px = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < src.size(); i++) {
                px.add(src.pixels(i));
                texts.add(src.captions(i).get(0));
            }
            float[] flat = new float[px.size() * px.get(0).length];
            for (int i = 0; i < px.size(); i++) {
                System.arraycopy(px.get(i), 0, flat, i * px.get(0).length, px.get(0).length);
            }
            NDArray img = model.imageEmbeds(m.create(flat, new ai.djl.ndarray.types.Shape(px.size(), 3, 32, 32)));
            NDArray txt = model.textEmbeds(tok.encode(texts, m));
            long[] best = img.matMul(txt.transpose()).argMax(1).toLongArray();
            int hits = 0;
            for (int i = 0; i < best.length; i++) {
                hits += best[i] == i ? 1 : 0;
            }
            return hits / (double) best.length;
        }
    }

    @Test
    void nanLossStopsWithAClearMessageAndKeepsTheLastCheckpoint() {
        Path out = tmp.resolve("nan");
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
             SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            PairSource src = new SyntheticPairs(SiglipImageProcessor.load(MODEL), 32);
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(8).optSteps(4).optCheckpointEvery(1)
                    .optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg);
                 BatchLoader loader = new BatchLoader(src, 8, 1, 1, 0)) {
                t.step(loader.get(0));
                Path good = t.saveCheckpoint(1.0);
                Parameter probe = model.namedParameters().get("text_model.head.weight");
                probe.getArray().set(new float[(int) probe.getArray().size()]);
                probe.getArray().muli(Float.NaN);
                SiglipException e = assertThrows(SiglipException.class, () -> t.step(loader.get(1)));
                assertTrue(e.getMessage().contains("at step 2"), e.getMessage());
                assertTrue(e.getMessage().contains(good.toString()), e.getMessage());
                assertEquals(1, t.completedSteps());
                assertTrue(Files.isRegularFile(good.resolve("trainer_state.json")));
            }
        }
    }
}
