package org.siglip4j.eval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.eval.ClassificationMetrics;
import org.siglip4j.eval.EmbeddingModel;
import org.siglip4j.eval.FakeModelFactory;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.PromptTemplates;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotResult;

/** The Spark job on local[2] against the single-process evaluator, with the colour fake. */
class SparkZeroShotEvaluatorTest {

    @TempDir
    static Path tmp;
    static Path data;
    static JavaSparkContext sc;
    static final PromptTemplates TEMPLATES =
            PromptTemplates.parse("t", "a photo of a {}.\na {} thing.\na bright {}.\n");

    @BeforeAll
    static void startSparkAndWriteImages() throws Exception {
        data = tmp.resolve("data");
        // Noisy colours around each class's base colour: mostly right, with real confusions.
        Random rnd = new Random(7);
        String[] classes = {"blue", "dark_red", "green"};
        int[] base = {0x2020c0, 0xc02020, 0x20c020};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < 13 + c; i++) {
                int rgb = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    int v = ((base[c] >> shift) & 0xff) + rnd.nextInt(241) - 120;
                    rgb |= Math.max(0, Math.min(255, v)) << shift;
                }
                FakeModelFactory.png(data.resolve(classes[c] + "/" + i + ".png"), rgb);
            }
        }
        Files.createDirectories(data.resolve("purple_thing")); // a class without images
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("siglip4j-eval-test")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        sc = new JavaSparkContext(conf);
    }

    @AfterAll
    static void stopSpark() {
        if (sc != null) {
            sc.stop();
        }
        ExecutorModels.clear();
    }

    @BeforeEach
    void forgetModels() {
        ExecutorModels.clear();
        FakeModelFactory.CREATED.clear();
    }

    @Test
    void sameNumbersAsTheSingleProcessEvaluator() {
        FakeModelFactory factory = new FakeModelFactory("4/resize");
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        ZeroShotResult single = ZeroShotEvaluator.builder().setModel(factory.newModel())
                .optTemplates(TEMPLATES).optBatchSize(3).optShowProgress(false).build()
                .evaluate(folder);
        ClassificationMetrics m = single.metrics();
        // the comparison means something only with misses in every class and several confusions
        assertEquals(42, m.numImages());
        assertTrue(m.top1() > 0.4 && m.top1() < 0.95, "top1 " + m.top1());
        assertTrue(m.mostConfused().size() >= 3, m.mostConfused().toString());
        assertEquals(1, m.classesWithoutImages());

        int n = folder.samples().size();
        int calls = 0;
        for (int[] layout : new int[][] {{3, 4}, {7, 2}, {1, 5}}) {
            int parts = layout[0];
            int batch = layout[1];
            ZeroShotResult spark = SparkZeroShotEvaluator.builder().setModelFactory(factory)
                    .optTemplates(TEMPLATES).optBatchSize(batch).optPartitions(parts).build()
                    .evaluate(sc, folder);
            String where = parts + " partitions, batch " + batch;
            assertEquals(m, spark.metrics(), where);
            assertEquals(single.data(), spark.data(), where);
            assertEquals(single.model(), spark.model());
            assertEquals(single.preprocessing(), spark.preprocessing());
            assertEquals(single.protocol().templateSet(), spark.protocol().templateSet());
            assertEquals(single.protocol().tieRule(), spark.protocol().tieRule());
            assertEquals(ZeroShotResult.SCORING + "; run on Spark (local[2], " + parts
                    + " partitions)", spark.protocol().scoring());
            assertEquals(n, spark.timing().imagesEmbedded());
            assertEquals(12, spark.timing().textsEmbedded());
            // parallelize slices n items into [i*n/p, (i+1)*n/p); each slice is batched alone
            for (int i = 0; i < parts; i++) {
                int size = (int) ((long) (i + 1) * n / parts - (long) i * n / parts);
                calls += (size + batch - 1) / batch;
            }
        }
        // one model for the driver and both executor threads, across all three jobs
        assertEquals(1, FakeModelFactory.CREATED.size());
        assertEquals(3 * n, FakeModelFactory.imagesEmbedded(0), "each image once per job");
        assertEquals(calls, FakeModelFactory.imageCalls(0), "batches per partition");
        assertEquals(3 * 12, FakeModelFactory.textsEmbedded(0));
    }

    @Test
    void defaultPartitionsAndClassNamesFromTheBuilder() {
        FakeModelFactory factory = new FakeModelFactory("4/resize");
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        org.siglip4j.eval.ClassNames names = org.siglip4j.eval.ClassNames.ofList(
                List.of("navy", "red", "green", "purple"), "test names");
        ZeroShotResult single = ZeroShotEvaluator.builder().setModel(factory.newModel())
                .optTemplates(PromptTemplates.simple()).optClassNames(names).optCanonicalize(true)
                .optMaxConfusedPairs(2).optShowProgress(false).build().evaluate(folder);
        ZeroShotResult spark = SparkZeroShotEvaluator.builder().setModelFactory(factory)
                .optTemplates(PromptTemplates.simple()).optClassNames(names).optCanonicalize(true)
                .optMaxConfusedPairs(2).build().evaluate(sc, folder);
        assertEquals(single.metrics(), spark.metrics());
        assertEquals(2, spark.metrics().mostConfused().size());
        assertEquals("test names", spark.data().classNames());
        assertTrue(spark.protocol().scoring().endsWith("(local[2], 2 partitions)"),
                spark.protocol().scoring());
    }

    /** Returns image rows of norm 2: the executors must refuse them as the single path does. */
    record UnnormalisedFactory(int dim) implements EmbeddingModelFactory {
        @Override
        public EmbeddingModel create() {
            return new EmbeddingModel() {
                @Override
                public String id() {
                    return "unnormalised";
                }

                @Override
                public String preprocessingId() {
                    return "none";
                }

                @Override
                public float[][] embedImages(List<Path> images) {
                    float[][] out = new float[images.size()][dim];
                    for (float[] row : out) {
                        row[0] = 2;
                    }
                    return out;
                }

                @Override
                public float[][] embedTexts(List<String> texts) {
                    float[][] out = new float[texts.size()][dim];
                    for (float[] row : out) {
                        row[0] = 1;
                    }
                    return out;
                }
            };
        }
    }

    @Test
    void anExecutorFailureComesBackAsASiglipException() {
        SparkZeroShotEvaluator ev = SparkZeroShotEvaluator.builder()
                .setModelFactory(new UnnormalisedFactory(4)).optTemplates(PromptTemplates.simple())
                .optPartitions(2).build();
        SiglipException e = assertThrows(SiglipException.class,
                () -> ev.evaluate(sc, LabelledImageFolder.read(data)));
        assertTrue(e.getMessage().contains("has L2 norm 2.0, expected 1"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the Spark zero-shot job failed"), e.getMessage());
    }

    @Test
    void builderRejectsWhatCannotWork() {
        assertThrows(SiglipException.class, () -> SparkZeroShotEvaluator.builder().build());
        EmbeddingModelFactory lambda = () -> null;
        SiglipException e = assertThrows(SiglipException.class,
                () -> SparkZeroShotEvaluator.builder().setModelFactory(lambda).build());
        assertTrue(e.getMessage().contains("use a record"), e.getMessage());
        assertThrows(SiglipException.class,
                () -> SparkZeroShotEvaluator.builder().optPartitions(0));
        assertThrows(SiglipException.class, () -> SparkZeroShotEvaluator.builder()
                .setModelFactory(new FakeModelFactory("x")).optBatchSize(0).build());
        assertThrows(SiglipException.class, () -> SparkZeroShotEvaluator.builder()
                .setModelFactory(new FakeModelFactory("x")).optMaxConfusedPairs(-1).build());
    }

    @Test
    void executorModelsAreSharedByEqualFactoriesAndReleased() {
        EmbeddingModel a = ExecutorModels.get(new FakeModelFactory("p"));
        EmbeddingModel b = ExecutorModels.get(new FakeModelFactory("p"));
        ExecutorModels.get(new FakeModelFactory("q"));
        assertEquals(2, FakeModelFactory.CREATED.size());
        assertEquals(2, ExecutorModels.size());
        a.embedImages(List.of());
        b.embedImages(List.of());
        assertEquals(2, FakeModelFactory.imageCalls(0), "both handles reach one model");
        assertTrue(ExecutorModels.release(new FakeModelFactory("p")));
        assertFalse(ExecutorModels.release(new FakeModelFactory("p")));
        ExecutorModels.get(new FakeModelFactory("p"));
        assertEquals(3, FakeModelFactory.CREATED.size());
        assertEquals(Arrays.asList("p", "q", "p"), FakeModelFactory.CREATED.stream()
                .map(EmbeddingModel::preprocessingId).toList());
    }
}
