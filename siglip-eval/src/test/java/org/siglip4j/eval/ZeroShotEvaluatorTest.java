package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end with the colour fake on a small folder, checked against a direct computation. */
class ZeroShotEvaluatorTest {

    @TempDir
    Path tmp;
    Path data;

    @BeforeEach
    void writeImages() throws Exception {
        data = tmp.resolve("data");
        int i = 0;
        for (int rgb : new int[] {0x1010e0, 0x3030c0, 0x20a0c0}) { // last: teal, still blue
            FakeEmbeddingModel.png(data.resolve("blue/" + i++ + ".png"), rgb, rgb);
        }
        for (int rgb : new int[] {0xe01010, 0xc04040, 0x60c020, 0x8000ff}) { // lime, violet
            FakeEmbeddingModel.png(data.resolve("dark_red/" + i++ + ".png"), rgb, rgb);
        }
        for (int rgb : new int[] {0x10e010, 0x20c0a0}) {
            FakeEmbeddingModel.png(data.resolve("green/" + i++ + ".png"), rgb, rgb);
        }
        Files.createDirectories(data.resolve("purple_thing")); // a class without images
    }

    @Test
    void metricsMatchADirectComputation() throws Exception {
        FakeEmbeddingModel model = new FakeEmbeddingModel("4/resize");
        PromptTemplates templates = PromptTemplates.parse("t", "a photo of a {}.\na {} thing.\n"
                + "a bright {}.\n");
        ZeroShotResult r = ZeroShotEvaluator.builder().setModel(model).optTemplates(templates)
                .optBatchSize(3).optShowProgress(false).build()
                .evaluate(LabelledImageFolder.read(data));

        List<String> names = List.of("blue", "dark red", "green", "purple thing");
        LabelledImageFolder f = LabelledImageFolder.read(data);
        double[][] cls = new double[names.size()][];
        for (int c = 0; c < names.size(); c++) {
            double[] acc = new double[FakeEmbeddingModel.DIM];
            for (String t : templates.templates()) {
                float[] e = FakeEmbeddingModel.text(t.replace("{}", names.get(c)));
                for (int d = 0; d < acc.length; d++) {
                    acc[d] += e[d];
                }
            }
            double n = Math.sqrt(java.util.Arrays.stream(acc).map(x -> x * x).sum());
            for (int d = 0; d < acc.length; d++) {
                acc[d] /= n;
            }
            cls[c] = acc;
        }
        int top1 = 0;
        int top2 = 0;
        int[] perClassCorrect = new int[names.size()];
        int[] perClassCount = new int[names.size()];
        for (LabelledImageFolder.Sample s : f.samples()) {
            float[] img = FakeEmbeddingModel.image(s.image());
            double[] score = new double[names.size()];
            for (int c = 0; c < names.size(); c++) {
                for (int d = 0; d < img.length; d++) {
                    score[c] += img[d] * cls[c][d];
                }
            }
            int better = 0;
            for (int c = 0; c < names.size(); c++) {
                if (c != s.label() && score[c] >= score[s.label()]) {
                    better++;
                }
            }
            perClassCount[s.label()]++;
            if (better == 0) {
                top1++;
                perClassCorrect[s.label()]++;
            }
            if (better <= 1) {
                top2++;
            }
        }
        int n = f.samples().size();
        double mean = (perClassCorrect[0] / (double) perClassCount[0]
                + perClassCorrect[1] / (double) perClassCount[1]
                + perClassCorrect[2] / (double) perClassCount[2]) / 3;

        ClassificationMetrics m = r.metrics();
        assertEquals(9, n);
        assertEquals((double) top1 / n, m.top1(), 1e-9);
        assertEquals(mean, m.meanPerClassAccuracy(), 1e-9);
        assertEquals(4, m.top5K());
        assertEquals(1.0, m.top5(), 1e-12);
        // by colour: the lime and violet "dark red" images go to green and blue, red second
        assertEquals(7.0 / 9, m.top1(), 1e-9);
        assertEquals(9, top2);
        assertEquals((1 + 0.5 + 1) / 3, m.meanPerClassAccuracy(), 1e-9);
        assertEquals(List.of(
                new ClassificationMetrics.ConfusedPair(1, "dark red", 0, "blue", 1),
                new ClassificationMetrics.ConfusedPair(1, "dark red", 2, "green", 1)),
                m.mostConfused());
        assertEquals(names, m.perClass().stream().map(ClassificationMetrics.PerClass::name)
                .toList());
        assertNull(m.perClass().get(3).accuracy());
        assertEquals(1, m.classesWithoutImages());
        assertEquals(9, r.timing().imagesEmbedded());
        assertEquals(12, r.timing().textsEmbedded());
        assertEquals("folder names", r.data().classNames());
        assertEquals(3, r.protocol().templates());

        ZeroShotResult back = ZeroShotResult.fromJson(r.toJson());
        assertEquals(r.metrics(), back.metrics());
        assertTrue(r.toJson().contains("\"accuracy\": null"), r.toJson());
        String md = r.toMarkdown();
        assertTrue(md.contains("| top-1 accuracy (%) | 77.78 |"), md);
        assertTrue(md.contains("| 3 | purple thing | 0 | 0 | n/a (no images) |"), md);
        assertTrue(md.contains("(top-5 capped)"), md);
        r.writeJson(tmp.resolve("out/r.json"));
        assertEquals(r.toJson() + "\n", Files.readString(tmp.resolve("out/r.json")));
    }

    @Test
    void unreadableImagesAreSkippedAndReportedNotFatal() throws Exception {
        java.awt.image.BufferedImage noise = new java.awt.image.BufferedImage(32, 32,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.util.Random random = new java.util.Random(17);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(noise, "png", png);
        // cut in the middle of the image data: Pillow's "image file is truncated"
        Files.write(data.resolve("green/9-truncated.png"), java.util.Arrays.copyOf(png.toByteArray(), png.size() / 2));
        Files.write(data.resolve("blue/0-not-an-image.png"), new byte[] {1, 2, 3});
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        assertEquals(11, folder.samples().size());
        FakeEmbeddingModel model = new FakeEmbeddingModel("4/resize");
        ZeroShotResult r = ZeroShotEvaluator.builder().setModel(model).optTemplates(PromptTemplates.parse("t",
                "a photo of a {}.\na {} thing.\na bright {}.\n")).optBatchSize(4).optShowProgress(false).build()
                .evaluate(folder);
        // the nine readable images score exactly as without the two bad files
        assertEquals(9, r.data().images());
        assertEquals(7.0 / 9, r.metrics().top1(), 1e-9);

        EmbeddingRun run = new BatchEmbedder(model, null, 4, false).embedImages(folder.images(), true);
        assertEquals(2, run.skipped().size(), run.skipped().toString());
        assertTrue(run.skipped().get(0).contains("0-not-an-image.png: not an image"), run.skipped().get(0));
        assertTrue(run.skipped().get(1).contains("9-truncated.png: image file is truncated"), run.skipped().get(1));
        assertEquals(9, run.computed());
        org.junit.jupiter.api.Assertions.assertThrows(org.siglip4j.core.SiglipException.class,
                () -> new BatchEmbedder(model, null, 4, false).embedImages(folder.images()));
    }

    @Test
    void otherTemplatesReuseCachedImageEmbeddings() throws Exception {
        Path cache = tmp.resolve("cache");
        FakeEmbeddingModel first = new FakeEmbeddingModel("4/resize");
        ZeroShotResult a = ZeroShotEvaluator.builder().setModel(first)
                // the progress bar path runs here too (it draws on stderr)
                .optTemplates(PromptTemplates.simple()).optCacheDir(cache).optShowProgress(true)
                .build().evaluate(LabelledImageFolder.read(data));
        assertEquals(9, first.imagesEmbedded);
        FakeEmbeddingModel second = new FakeEmbeddingModel("4/resize");
        ZeroShotResult b = ZeroShotEvaluator.builder().setModel(second)
                .optTemplates(PromptTemplates.ensemble()).optCanonicalize(true)
                .optCacheDir(cache).optShowProgress(false)
                .build().evaluate(LabelledImageFolder.read(data));
        assertEquals(0, second.imagesEmbedded, "images come from the cache");
        assertEquals(0, b.timing().imagesEmbedded());
        assertEquals(9, b.timing().imagesFromCache());
        assertEquals(4 * 48, second.textsEmbedded);
        assertEquals(9, a.timing().imagesEmbedded());
        assertEquals("ensemble", b.protocol().templateSet());
    }

    @Test
    void retrievalEndToEnd() throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("{\"image\": \"data/blue/0.png\", \"captions\": [\"something blue\","
                + " \"a red herring\"]}");
        lines.add("{\"image\": \"data/dark_red/3.png\", \"text\": \"a red square\"}");
        lines.add("{\"image\": \"data/green/7.png\", \"text\": \"green grass\"}");
        Path m = tmp.resolve("m.jsonl");
        Files.write(m, lines);
        RetrievalManifest manifest = RetrievalManifest.read(m);
        FakeEmbeddingModel model = new FakeEmbeddingModel("4/resize");
        RetrievalResult r = RetrievalEvaluator.builder().setModel(model).optShowProgress(false)
                .build().evaluate(manifest);
        float[][] img = new float[3][];
        float[][] txt = new float[4][];
        for (int i = 0; i < 3; i++) {
            img[i] = FakeEmbeddingModel.image(manifest.images().get(i));
        }
        for (int t = 0; t < 4; t++) {
            txt[t] = FakeEmbeddingModel.text(manifest.texts().get(t));
        }
        RetrievalMetrics direct =
                RetrievalMetrics.compute(Embeddings.similarity(img, txt), new int[] {0, 0, 1, 2});
        assertEquals(direct, r.metrics());
        assertEquals(1.0, r.metrics().imageToText().recallAt1(), 1e-12);
        assertEquals(0.75, r.metrics().textToImage().recallAt1(), 1e-12,
                "'a red herring' finds the red image, not its own blue one");
        assertEquals(r.metrics(), RetrievalResult.fromJson(r.toJson()).metrics());
        assertTrue(r.toMarkdown().contains("| image → text | 100.00 |"), r.toMarkdown());
    }
}
