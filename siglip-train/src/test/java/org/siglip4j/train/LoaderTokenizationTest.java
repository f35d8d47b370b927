package org.siglip4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.ImageTextCollator;

/**
 * In {@code fit} the captions are tokenized on the data loader's thread, ahead of the step: the
 * loader's batches carry the tokenizer's ids, and a run trains to the same parameters, bit for
 * bit, as steps that tokenize inside themselves.
 */
class LoaderTokenizationTest {
    private static final Path MODEL = Fixtures.dir();

    @Test
    void theLoaderThreadTokenizesWhatTheTokenizerGives() {
        try (SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            ImageTextCollator collator = ImageTextCollator.fixedSize(tok, 16, 16);
            Set<String> threads = ConcurrentHashMap.newKeySet();
            SyntheticPairs src = new SyntheticPairs(SiglipImageProcessor.load(MODEL), 16);
            try (BatchLoader loader = new BatchLoader(src, 8, 3, 2, 1, b -> {
                threads.add(Thread.currentThread().getName());
                return collator.prepare(b);
            }); BatchLoader plain = new BatchLoader(src, 8, 3, 2, 1)) {
                for (int s = 0; s < 3; s++) {
                    BatchLoader.Batch b = loader.get(s);
                    assertNull(plain.get(s).inputIds(), "a loader without prepare leaves the texts");
                    long[][] expected = tok.encode(b.texts());
                    assertEquals(expected.length, b.inputIds().length);
                    for (int i = 0; i < expected.length; i++) {
                        assertArrayEquals(expected[i], b.inputIds()[i], b.texts().get(i));
                    }
                }
            }
            assertNotEquals(Set.of(Thread.currentThread().getName()), threads);
            assertEquals(1, threads.size(), "one loader thread prepares: " + threads);
        }
    }

    @Test
    void fitTrainsAsStepsThatTokenizeThemselves(@TempDir Path tmp) {
        Map<String, float[]> fit = train(tmp.resolve("fit"), true);
        Map<String, float[]> steps = train(tmp.resolve("steps"), false);
        assertEquals(steps.keySet(), fit.keySet());
        steps.forEach((k, v) -> assertArrayEquals(v, fit.get(k), 0f, k));
    }

    /** Three steps from the fixture model, by {@code fit} or by calling {@code step} on unprepared batches. */
    private static Map<String, float[]> train(Path out, boolean byFit) {
        try (NDManager root = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.fromPretrained(MODEL, root);
                SiglipTokenizer tok = SiglipTokenizer.load(MODEL)) {
            SyntheticPairs src = new SyntheticPairs(SiglipImageProcessor.load(MODEL), 32);
            TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(8).optLearningRate(1e-3).optWarmupSteps(1)
                    .optSteps(3).optSeed(5).optShowProgress(false).build();
            try (SiglipTrainer t = new SiglipTrainer(model, tok, MODEL, cfg)) {
                if (byFit) {
                    t.fit(src, false, null, 0);
                } else {
                    try (BatchLoader loader = new BatchLoader(src, cfg.batchSize(), cfg.seed(), 1, 0)) {
                        for (int s = 0; s < 3; s++) {
                            t.step(loader.get(s));
                        }
                    }
                }
            }
            Map<String, float[]> params = new LinkedHashMap<>();
            model.namedParameters().forEach((k, p) -> params.put(k, p.getArray().toFloatArray()));
            return params;
        }
    }
}
