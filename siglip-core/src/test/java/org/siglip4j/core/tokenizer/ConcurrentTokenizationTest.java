package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;

/**
 * One tokenizer shared by several threads (the training data loader tokenizes the next batches
 * while the step, or an evaluation, tokenizes on its own thread) gives every thread the ids it
 * gives alone: the Java encoder (per-thread scratch space, large batches on the common pool) and
 * the Rust library (SigLIP 2's Gemma {@code tokenizer.json}). The single-threaded ids are HF's
 * (SiglipTokenizerTest), so each thread is checked against HF's ids too.
 */
class ConcurrentTokenizationTest {
    private static final int THREADS = 6;
    private static final int ROUNDS = 8;

    @Test
    void javaEncoderGivesEveryThreadTheSameIds() throws Exception {
        try (SiglipTokenizer t = SiglipTokenizer.load(Fixtures.dir())) {
            assertTrue(t.encodesInJava());
            List<String> texts = SiglipTokenizerTest.texts();
            SiglipTokenizerTest.assertIds(SiglipTokenizerTest.expectedIds(""), t.encode(texts), texts, "alone");
            assertConcurrentEqualsAlone(t, texts);
        }
    }

    @Test
    void rustLibraryGivesEveryThreadTheSameIds() throws Exception {
        String json = Files.readString(Fixtures.dir().resolve("tokenizer.json"));
        try (SiglipTokenizer t = SiglipTokenizer.fromJson(json, 64, "tokenizer.json", false);
                SiglipTokenizer gemma = SiglipTokenizer.load(Fixtures.dir("siglip2-tiny-naflex"))) {
            assertFalse(t.encodesInJava());
            assertFalse(gemma.encodesInJava());
            List<String> texts = SiglipTokenizerTest.texts();
            SiglipTokenizerTest.assertIds(SiglipTokenizerTest.expectedIds(""), t.encode(texts), texts, "alone");
            assertConcurrentEqualsAlone(t, texts);
            assertConcurrentEqualsAlone(gemma, texts);
        }
    }

    /**
     * Each thread encodes the texts in batches of its own size (one text; a few; more than the
     * Java encoder's parallel threshold) round after round, all threads at once; every id equals
     * the ids of the whole list encoded alone.
     */
    private static void assertConcurrentEqualsAlone(SiglipTokenizer t, List<String> texts) throws Exception {
        long[][] alone = t.encode(texts);
        List<String> many = new ArrayList<>();
        while (many.size() < 300) {
            many.addAll(texts);
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int th = 0; th < THREADS; th++) {
                int batch = new int[] {1, 3, 7, 300}[th % 4];
                runs.add(pool.submit((Callable<Void>) () -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int from = 0; from < many.size(); from += batch) {
                            List<String> part = many.subList(from, Math.min(many.size(), from + batch));
                            long[][] got = t.encode(part);
                            for (int i = 0; i < part.size(); i++) {
                                int k = (from + i) % texts.size();
                                assertArrayEquals(alone[k], got[i],
                                        "batch of " + batch + ", text " + k + " " + texts.get(k));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
