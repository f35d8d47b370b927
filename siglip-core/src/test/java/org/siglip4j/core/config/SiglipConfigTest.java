package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;

class SiglipConfigTest {
    @TempDir
    Path tmp;

    @Test
    void readsFixtureFullForm() {
        SiglipConfig c = SiglipConfig.load(Fixtures.dir());
        assertEquals(512, c.textConfig().vocabSize());
        assertEquals(32, c.textConfig().hiddenSize());
        assertEquals(64, c.textConfig().intermediateSize());
        assertEquals(2, c.textConfig().numAttentionHeads());
        assertEquals(64, c.textConfig().maxPositionEmbeddings());
        assertEquals(32, c.textConfig().projectionSize());
        assertEquals(49406, c.textConfig().bosTokenId());
        assertEquals(80, c.visionConfig().intermediateSize());
        assertEquals(4, c.visionConfig().numAttentionHeads());
        assertEquals(8, c.visionConfig().patchSize());
        assertEquals(32, c.visionConfig().imageSize());
        assertEquals(1e-6, c.visionConfig().layerNormEps());
        assertTrue(c.visionConfig().visionUseHead());
        assertEquals("float32", c.torchDtype());
        assertEquals(72114, c.parameterCount());
    }

    @Test
    void diffFormTakesHfDefaults() {
        SiglipConfig c = SiglipConfig.load(Fixtures.file("classification"));
        assertEquals(5, c.numLabels());
        assertEquals("stripes", c.id2label().get(4));
        assertEquals(4, c.label2id().get("stripes"));
        assertEquals(64, c.textConfig().maxPositionEmbeddings());
        assertEquals(3, c.visionConfig().numChannels());
        assertEquals("gelu_pytorch_tanh", c.visionConfig().hiddenAct());
        SiglipConfig empty = SiglipConfig.fromJson("{\"model_type\":\"siglip\"}");
        assertEquals(32000, empty.textConfig().vocabSize());
        assertEquals(768, empty.textConfig().hiddenSize());
        assertEquals(3072, empty.visionConfig().intermediateSize());
        assertEquals(12, empty.visionConfig().numHiddenLayers());
        assertEquals(224, empty.visionConfig().imageSize());
        assertEquals(16, empty.visionConfig().patchSize());
        assertEquals(2, empty.numLabels());
        assertEquals(SiglipPresets.get("base-patch16-224").parameterCount(), empty.parameterCount());
    }

    @Test
    void roundTripKeepsUnknownKeysAndValues() {
        String json = "{\"model_type\":\"siglip\",\"my_custom\":{\"a\":1},\"text_config\":{\"hidden_size\":64,"
                + "\"num_attention_heads\":4,\"projection_size\":48,\"future_flag\":true},"
                + "\"vision_config\":{\"vision_use_head\":false,\"image_size\":32,\"patch_size\":8}}";
        SiglipConfig c = SiglipConfig.fromJson(json);
        assertEquals(48, c.textConfig().projectionSize());
        SiglipConfig back = SiglipConfig.fromJson(c.toJson());
        assertEquals(c, back);
        JsonObject o = JsonParser.parseString(c.toJson()).getAsJsonObject();
        assertEquals(1, o.getAsJsonObject("my_custom").get("a").getAsInt());
        assertTrue(o.getAsJsonObject("text_config").get("future_flag").getAsBoolean());
        assertEquals(false, o.getAsJsonObject("vision_config").get("vision_use_head").getAsBoolean());
        SiglipConfig f = SiglipConfig.load(Fixtures.dir());
        f.save(tmp);
        assertEquals(f, SiglipConfig.load(tmp));
        assertEquals(f, SiglipConfig.fromJson(f.toJson()));
    }

    @Test
    void savesAtomically() throws Exception {
        SiglipConfig c = SiglipPresets.get("so400m-patch14-384");
        c.save(tmp.resolve("config.json"));
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count());
        }
        assertEquals(c, SiglipConfig.load(tmp.resolve("config.json")));
    }

    static String err(String json) {
        return assertThrows(SiglipException.class, () -> SiglipConfig.fromJson(json)).getMessage();
    }

    @Test
    void impossibleValuesNameTheField() {
        assertTrue(err("{\"model_type\":\"siglip\",\"vision_config\":{\"hidden_size\":-5}}")
                .contains("vision_config.hidden_size must be positive, got -5"));
        assertTrue(err("{\"model_type\":\"siglip\",\"text_config\":{\"hidden_size\":770}}")
                .contains("expected hidden size 770 divisible by 12 heads"));
        assertTrue(err("{\"model_type\":\"siglip\",\"vision_config\":{\"image_size\":8}}")
                .contains("image_size 8 is smaller than vision_config.patch_size 16"));
        assertTrue(err("{\"model_type\":\"siglip\",\"text_config\":{\"hidden_act\":\"swiglu\"}}")
                .contains("text_config.hidden_act 'swiglu' is not supported"));
        assertTrue(err("{\"model_type\":\"siglip\",\"text_config\":{\"vocab_size\":\"big\"}}")
                .contains("text_config.vocab_size must be an integer, got \"big\""));
        assertTrue(err("{\"model_type\":\"siglip\",\"vision_config\":{\"patch_size\":1.5}}")
                .contains("vision_config.patch_size must be an integer"));
        assertTrue(err("{\"model_type\":\"clip\",\"text_config\":{}}").contains("CLIP checkpoint"));
        assertTrue(err("{\"model_type\":\"siglip\",\"num_labels\":3,\"id2label\":{\"0\":\"a\"}}")
                .contains("num_labels"));
        assertTrue(err("{not json").contains("not valid JSON"));
        assertTrue(assertThrows(SiglipException.class, () -> SiglipConfig.load(tmp)).getMessage()
                .contains("config.json not found"));
    }

    @Test
    void numLabelsWithoutId2labelMakesDefaultNames() {
        SiglipConfig c = SiglipConfig.fromJson("{\"model_type\":\"siglip\",\"num_labels\":3}");
        assertEquals(Map.of(0, "LABEL_0", 1, "LABEL_1", 2, "LABEL_2"), c.id2label());
    }
}
