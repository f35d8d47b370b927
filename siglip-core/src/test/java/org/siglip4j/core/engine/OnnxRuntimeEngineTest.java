package org.siglip4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.onnx.OnnxExportCache;
import org.siglip4j.core.onnx.Quantization;
import org.siglip4j.core.onnx.SiglipOnnxExporter;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.ProgressListener;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.testing.Fixtures;

/**
 * The pipeline on ONNX Runtime against the same pipeline on the PyTorch engine (siglip-tiny):
 * embeddings, logits and zero-shot scores to 1e-5; the export cache; quantised exports.
 */
class OnnxRuntimeEngineTest {
    static final double TOL = 1e-5;

    @TempDir
    static Path cache;
    static SiglipPipeline torch;
    static SiglipPipeline ort;
    static List<Path> images;
    static List<String> texts;

    @BeforeAll
    static void load() throws IOException {
        torch = SiglipPipeline.load(Fixtures.dir());
        ort = SiglipPipeline.builder().setModelDir(Fixtures.dir())
                .optExecutionPolicy(ExecutionPolicy.of(EngineType.ONNXRUNTIME).withOnnxCacheDir(cache)).build();
        try (Stream<Path> s = Files.list(Fixtures.file("inputs"))) {
            images = s.filter(p -> !p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        texts = new ArrayList<>();
        JsonParser.parseString(Files.readString(Fixtures.file("inputs/texts.json"), StandardCharsets.UTF_8))
                .getAsJsonArray().forEach(e -> texts.add(e.getAsString()));
    }

    @AfterAll
    static void close() {
        ort.close();
        torch.close();
    }

    static void assertRowsClose(float[][] expected, float[][] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " rows");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + " row " + i);
            for (int j = 0; j < expected[i].length; j++) {
                double e = expected[i][j];
                assertEquals(e, actual[i][j], tol + tol * Math.abs(e), what + " [" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void embeddingsAndLogitsMatchPyTorch() {
        assertEquals(EngineType.ONNXRUNTIME, ort.engine().type());
        for (boolean normalize : new boolean[] {true, false}) {
            assertRowsClose(torch.embedImages(images, normalize, ProgressListener.NONE), ort.embedImages(images, normalize,
                    ProgressListener.NONE), TOL, "image features, normalize=" + normalize);
            assertRowsClose(torch.embedTexts(texts, normalize), ort.embedTexts(texts, normalize), TOL,
                    "text features, normalize=" + normalize);
        }
        assertRowsClose(torch.similarity(images, texts).logitsPerImage(), ort.similarity(images, texts).logitsPerImage(), TOL,
                "logits_per_image");
    }

    /**
     * ONNX Runtime holds its own copy of the weights, so the pipeline frees the PyTorch model once
     * the graphs are exported (its peak RSS is ONNX Runtime's), and still gives PyTorch's embeddings.
     */
    @Test
    void pytorchWeightsAreFreedAfterTheExport() {
        assertNull(ort.model(), "the PyTorch model is released on ONNX Runtime");
        assertNotNull(torch.model());
        assertRowsClose(torch.embedImages(images, true, ProgressListener.NONE),
                ort.embedImages(images, true, ProgressListener.NONE), TOL, "image embeds after the release");
        assertRowsClose(torch.embedTexts(texts, true), ort.embedTexts(texts, true), TOL, "text embeds after the release");
    }

    @Test
    void zeroShotScoresMatchPyTorch() {
        List<String> labels = List.of("gradient", "circles", "noise", "checkerboard", "cat");
        List<List<LabelScore>> a = new ZeroShotImageClassifier(torch).classify(images, labels);
        List<List<LabelScore>> b = new ZeroShotImageClassifier(ort).classify(images, labels);
        for (int i = 0; i < a.size(); i++) {
            for (int k = 0; k < labels.size(); k++) {
                assertEquals(a.get(i).get(k).label(), b.get(i).get(k).label(), "image " + i + " rank " + k);
                assertEquals(a.get(i).get(k).score(), b.get(i).get(k).score(), TOL * a.get(i).get(k).score(),
                        "image " + i + " " + a.get(i).get(k).label());
            }
        }
    }

    @Test
    void concurrentCallsGiveTheSequentialResult() throws Exception {
        float[][] images1 = ort.embedImages(images, true, ProgressListener.NONE);
        float[][] texts1 = ort.embedTexts(texts, true);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<float[][][]>> runs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                runs.add(pool.submit(() -> new float[][][] {ort.embedImages(images, true, ProgressListener.NONE),
                    ort.embedTexts(texts, true)}));
            }
            for (java.util.concurrent.Future<float[][][]> r : runs) {
                assertRowsClose(images1, r.get()[0], 0, "concurrent image embeddings");
                assertRowsClose(texts1, r.get()[1], 0, "concurrent text embeddings");
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void cacheIsReusedAndAStaleOrCorruptEntryIsRebuilt(@TempDir Path root) throws IOException {
        Path entry = OnnxExportCache.ensure(torch.model(), Quantization.FLOAT32, true, root);
        Path vision = entry.resolve(SiglipOnnxExporter.VISION_FILE);
        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(vision, written);
        assertEquals(entry, OnnxExportCache.ensure(torch.model(), Quantization.FLOAT32, true, root));
        assertEquals(written, Files.getLastModifiedTime(vision), "a valid entry is used as it is");

        byte[] good = Files.readAllBytes(vision);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x55; // one flipped byte in a weight: ONNX Runtime would load it
        Files.write(vision, bad);
        assertEquals(entry, OnnxExportCache.ensure(torch.model(), Quantization.FLOAT32, true, root));
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(vision)), "the corrupt file was exported again");

        Path manifest = entry.resolve(OnnxExportCache.MANIFEST);
        Files.writeString(manifest, Files.readString(manifest).replaceAll("\"key\":\"[0-9a-f]", "\"key\":\"x"));
        Files.setLastModifiedTime(vision, written);
        OnnxExportCache.ensure(torch.model(), Quantization.FLOAT32, true, root);
        assertNotEquals(written, Files.getLastModifiedTime(vision), "an entry of another key was rebuilt");

        Files.delete(manifest); // as a crash between files and manifest would leave it
        Files.setLastModifiedTime(vision, written);
        OnnxExportCache.ensure(torch.model(), Quantization.FLOAT32, true, root);
        assertNotEquals(written, Files.getLastModifiedTime(vision), "an entry without a manifest was rebuilt");
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(1, s.count(), "no temporary folder is left behind");
        }
    }

    @Test
    void keyChangesWithQuantizationAndFusion() {
        assertNotEquals(OnnxExportCache.key(torch.model(), Quantization.FLOAT32, true),
                OnnxExportCache.key(torch.model(), Quantization.INT8, true));
        assertNotEquals(OnnxExportCache.key(torch.model(), Quantization.FLOAT32, true),
                OnnxExportCache.key(torch.model(), Quantization.FLOAT32, false));
    }

    @Test
    void quantizedExportsStayCloseToFloat32() {
        float[][] f32Images = ort.embedImages(images, true, ProgressListener.NONE);
        float[][] f32Texts = ort.embedTexts(texts, true);
        // measured on this fixture (images / texts): int8 0.99971 / 0.99966; int8-weights 0.99982 /
        // 0.99981 and int4 0.921 / 0.968 with MatMulNBits' accuracy_level 4 (int8 activations too;
        // random weights in blocks of 32 of a 32-wide model). A wrong code layout or scale gives
        // cosines near 0
        Quantization[] modes = {Quantization.INT8, Quantization.INT8_WEIGHTS, Quantization.INT4};
        double[] bounds = {0.999, 0.999, 0.9};
        for (int m = 0; m < modes.length; m++) {
            Quantization q = modes[m];
            try (SiglipPipeline p = SiglipPipeline.builder().setModelDir(Fixtures.dir()).optExecutionPolicy(
                    ExecutionPolicy.of(EngineType.ONNXRUNTIME).withQuantization(q).withOnnxCacheDir(cache)).build()) {
                double img = minCosine(f32Images, p.embedImages(images, true, ProgressListener.NONE));
                double txt = minCosine(f32Texts, p.embedTexts(texts, true));
                System.out.printf("%s: min cosine to float32 images %.6f texts %.6f%n", q.label(), img, txt);
                assertTrue(img >= bounds[m] && txt >= bounds[m], q.label() + ": cosine " + img + " / " + txt);
            }
        }
    }

    static double minCosine(float[][] a, float[][] b) {
        double min = 1;
        for (int i = 0; i < a.length; i++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int j = 0; j < a[i].length; j++) {
                dot += (double) a[i][j] * b[i][j];
                na += (double) a[i][j] * a[i][j];
                nb += (double) b[i][j] * b[i][j];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    @Test
    void unsupportedArchitectureIsOneClearError(@TempDir Path root) {
        var config = torch.model().config();
        var headless = config.withTowers(config.textConfig(), config.visionConfig().withVisionUseHead(false));
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
                var model = org.siglip4j.core.model.SiglipModel.newModel(headless, m)) {
            SiglipException e = assertThrows(SiglipException.class, () -> SiglipEngine.open(model,
                    Path.of("my-model"), ExecutionPolicy.of(EngineType.ONNXRUNTIME).withOnnxCacheDir(root)));
            assertTrue(e.getMessage().startsWith("cannot run my-model on ONNX Runtime: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("run it with --engine pytorch"), e.getMessage());
        }
    }

    @Test
    void pytorchEngineRejectsQuantization() {
        SiglipException e = assertThrows(SiglipException.class,
                () -> ExecutionPolicy.DEFAULT.withQuantization(Quantization.INT8));
        assertTrue(e.getMessage().contains("--engine onnxruntime"), e.getMessage());
    }
}
