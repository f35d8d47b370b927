package org.siglip4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.config.SiglipPresets;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.testing.Fixtures;

/**
 * Issue #21's parity at a published size: google/siglip-base-patch16-224's shape with random
 * weights, real photos (crops of scikit-image's chelsea and coffee, a camera JPEG) and the tiny
 * fixture's tokenizer (its ids are valid base ids), on ONNX Runtime against the PyTorch engine:
 * embeddings and logits to 1e-4.
 */
class OnnxRuntimeBaseSizeParityTest {
    static final double TOL = 1e-4;

    @Test
    void basePatch16x224OnOnnxRuntimeEqualsPyTorchOnRealPhotos(@TempDir Path root) throws IOException {
        Path dir = root.resolve("base-patch16-224");
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.newModel(SiglipPresets.get("base-patch16-224"), m)) {
            model.save(dir);
        }
        Path tiny = Fixtures.dir();
        for (String f : List.of("spiece.model", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(tiny.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("preprocessor_config.json"), Files.readString(
                tiny.resolve("preprocessor_config.json")).replace("\"height\": 32", "\"height\": 224")
                .replace("\"width\": 32", "\"width\": 224"));
        List<Path> photos = List.of(Fixtures.dir("formats").resolve("inputs/chelsea-photo.png"),
                Fixtures.dir("formats").resolve("inputs/coffee-photo.png"),
                Fixtures.dir("images-pillow").resolve("jpeg-camera.jpg"));
        List<String> texts = List.of("a photo of a cat", "a cup of coffee", "a camera");

        float[][] img;
        float[][] txt;
        float[][] logits;
        try (SiglipPipeline torch = SiglipPipeline.load(dir)) {
            img = torch.embedImages(photos);
            txt = torch.embedTexts(texts);
            logits = torch.logits(img, txt);
        }
        try (SiglipPipeline ort = SiglipPipeline.builder().setModelDir(dir).optExecutionPolicy(
                ExecutionPolicy.of(EngineType.ONNXRUNTIME).withOnnxCacheDir(root.resolve("onnx"))).build()) {
            float[][] img2 = ort.embedImages(photos);
            float[][] txt2 = ort.embedTexts(texts);
            OnnxRuntimeEngineTest.assertRowsClose(img, img2, TOL, "image embeddings");
            OnnxRuntimeEngineTest.assertRowsClose(txt, txt2, TOL, "text embeddings");
            float[][] logits2 = ort.logits(img2, txt2);
            for (int i = 0; i < logits.length; i++) {
                for (int j = 0; j < logits[i].length; j++) {
                    assertEquals(logits[i][j], logits2[i][j], TOL, "logits [" + i + "][" + j + "]");
                }
            }
            assertEquals(768, img2[0].length);
        }
    }
}
