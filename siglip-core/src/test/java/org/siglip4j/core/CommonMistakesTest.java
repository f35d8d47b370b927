package org.siglip4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.DType;
import org.siglip4j.core.checkpoint.RawTensor;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.testing.Fixtures;

/** The common mistakes fail early, with a message that says what is wrong and what was expected. */
class CommonMistakesTest {
    @TempDir
    Path tmp;

    static final String CLIP_CONFIG = """
            {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 512,
             "logit_scale_init_value": 2.6592,
             "text_config": {"model_type": "clip_text_model", "hidden_size": 512, "intermediate_size": 2048,
               "num_attention_heads": 8, "num_hidden_layers": 12, "vocab_size": 49408,
               "max_position_embeddings": 77, "bos_token_id": 49406, "eos_token_id": 49407, "hidden_act": "quick_gelu"},
             "vision_config": {"model_type": "clip_vision_model", "hidden_size": 768, "intermediate_size": 3072,
               "num_attention_heads": 12, "num_hidden_layers": 12, "image_size": 224, "patch_size": 32,
               "hidden_act": "quick_gelu"}}
            """;

    static SiglipException fails(Runnable r) {
        SiglipException e = assertThrows(SiglipException.class, r::run);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        return e;
    }

    @Test
    void wrongModelTypeNamesWhatCameAndWhatIsExpected() throws IOException {
        Files.writeString(tmp.resolve("config.json"), Files.readString(Fixtures.file("config.json"))
                .replace("\"model_type\": \"siglip\"", "\"model_type\": \"bert\""));
        SiglipException e = fails(() -> SiglipConfig.load(tmp));
        assertTrue(e.getMessage().contains("model_type is 'bert', expected 'siglip'"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve("config.json").toString()), e.getMessage());
    }

    @Test
    void clipCheckpointIsRecognisedAsClip() throws IOException {
        Files.writeString(tmp.resolve("config.json"), CLIP_CONFIG);
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipException e = fails(() -> SiglipModel.fromPretrained(tmp, m).close());
            assertTrue(e.getMessage().contains("CLIP checkpoint"), e.getMessage());
        }
        // a SigLIP config.json copied next to CLIP weights: the tensor names give it away
        SiglipConfig.load(Fixtures.dir()).save(tmp.resolve("config.json"));
        Map<String, RawTensor> clip = new LinkedHashMap<>();
        for (String k : List.of("text_projection.weight", "visual_projection.weight",
                "vision_model.embeddings.class_embedding", "vision_model.pre_layrnorm.weight", "logit_scale")) {
            clip.put(k, RawTensor.ofFloats(new float[] {1f, 2f}, new long[] {2}, DType.F32));
        }
        SafetensorsWriter.writeRaw(tmp.resolve("model.safetensors"), clip, Map.of("format", "pt"));
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipException e = fails(() -> SiglipModel.fromPretrained(tmp, m).close());
            assertTrue(e.getMessage().contains("look like CLIP weights"), e.getMessage());
            assertTrue(e.getMessage().contains("visual_projection.weight"), e.getMessage());
        }
    }

    @Test
    void imageSmallerThanOnePatchIsRejectedButNonDivisibleSizesAreLegal() {
        SiglipVisionConfig d = SiglipVisionConfig.defaults();
        SiglipException e = fails(() -> d.withImageSize(8));
        assertTrue(e.getMessage().contains("image_size 8 is smaller than vision_config.patch_size 16"), e.getMessage());
        // HF floors image_size // patch_size (So400m/14 at 384 has 27 x 27 patches, 6 pixels unused)
        SiglipVisionConfig odd = d.withImageSize(384).withImageSize(30);
        assertEquals(1, odd.gridSize());
        SiglipVisionConfig so400m = new SiglipVisionConfig(1152, 4304, 27, 16, 3, 384, 14, "gelu_pytorch_tanh", 1e-6,
                0.0, true, null);
        assertEquals(27, so400m.gridSize());
        assertEquals(729, so400m.numPatches());
    }

    @Test
    void noLabelsIsAClearError() {
        try (ZeroShotImageClassifier zs = ZeroShotImageClassifier.load(Fixtures.dir())) {
            SiglipException e = fails(() -> zs.classify(List.of(Fixtures.file("inputs/exact_size.png")), List.of()));
            assertTrue(e.getMessage().contains("no candidate labels"), e.getMessage());
            e = fails(() -> zs.classify(List.of(Fixtures.file("inputs/exact_size.png")), List.of("cat", " ")));
            assertTrue(e.getMessage().contains("label #2 is empty"), e.getMessage());
        }
    }

    @Test
    void textOnlyFoldersAreNotModelsOrImages() throws IOException {
        // a tokenizer-only folder given as a model
        Path tokenizerOnly = Fixtures.file("tokenizer-no-byte-fallback");
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipException e = fails(() -> SiglipModel.fromPretrained(tokenizerOnly, m).close());
            assertTrue(e.getMessage().contains("config.json not found"), e.getMessage());
        }
        fails(() -> SiglipPipeline.load(tokenizerOnly).close());
        // a folder of text files given as a model
        Files.writeString(tmp.resolve("a.txt"), "a cat");
        Files.writeString(tmp.resolve("b.txt"), "a dog");
        fails(() -> SiglipPipeline.load(tmp).close());
        // a text file given where an image is needed
        try (ZeroShotImageClassifier zs = ZeroShotImageClassifier.load(Fixtures.dir())) {
            SiglipException e = fails(() -> zs.classify(List.of(tmp.resolve("a.txt")), List.of("cat")));
            assertTrue(e.getMessage().contains("not an image") && e.getMessage().contains("a.txt"), e.getMessage());
        }
    }
}
