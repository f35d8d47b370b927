package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.onnx.Quantization;
import org.siglip4j.core.testing.Fixtures;

/** The evaluation binding on ONNX Runtime: the PyTorch engine's embeddings, and an id of its own. */
class SiglipEmbeddingModelEngineTest {
    @Test
    void onnxRuntimeEmbedsLikePyTorchUnderItsOwnId(@TempDir Path cache) {
        List<Path> images = Arrays.stream(SiglipEmbeddingModelTest.INPUTS).map(n -> Fixtures.file("inputs/" + n))
                .toList();
        List<String> texts = List.of("a grayscale checkerboard", "This is a photo of a cat.", "");
        ExecutionPolicy ort = ExecutionPolicy.of(EngineType.ONNXRUNTIME).withOnnxCacheDir(cache);
        try (SiglipEmbeddingModel torch = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE);
                SiglipEmbeddingModel onnx = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE, ort);
                SiglipEmbeddingModel int8 = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE,
                        ort.withQuantization(Quantization.INT8))) {
            assertEquals(torch.id() + "+onnxruntime-float32", onnx.id());
            assertNotEquals(onnx.id(), int8.id(), "the embedding cache never mixes quantised embeddings");
            assertRowsClose(torch.embedImages(images), onnx.embedImages(images));
            assertRowsClose(torch.embedTexts(texts), onnx.embedTexts(texts));
        }
    }

    /** The PyTorch weights go once ONNX Runtime has its graphs; embeddings stay PyTorch's. */
    @Test
    void onnxRuntimeFreesThePyTorchModel(@TempDir Path cache) {
        List<String> texts = List.of("a grayscale checkerboard", "This is a photo of a cat.");
        try (SiglipEmbeddingModel torch = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE);
                SiglipEmbeddingModel onnx = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE,
                        ExecutionPolicy.of(EngineType.ONNXRUNTIME).withOnnxCacheDir(cache))) {
            assertNull(onnx.model(), "the PyTorch model is released on ONNX Runtime");
            assertRowsClose(torch.embedTexts(texts), onnx.embedTexts(texts));
        }
    }

    static void assertRowsClose(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            double[] e = new double[expected[i].length];
            for (int j = 0; j < e.length; j++) {
                e[j] = expected[i][j];
            }
            Fixtures.assertClose(e, actual[i], 1e-5, 1e-5, "row " + i);
        }
    }
}
