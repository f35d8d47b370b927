package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.Fixtures;

/**
 * Regression tests for config.json files found by an independent fuzzing run: a million layers
 * (built block by block until 6.8 GB and the clock ran out), deeply nested unknown keys (a
 * StackOverflowError) and a huge {@code image_size} (an IllegalArgumentException).
 */
class HostileConfigTest {
    @TempDir
    Path tmp;

    static JsonObject fixtureConfig() throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.file("config.json"))).getAsJsonObject();
    }

    static SiglipException refused(String json) {
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipConfig.fromJson(json));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void aMillionLayersNextToATinyCheckpointIsRefusedBeforeBuilding() throws IOException {
        JsonObject c = fixtureConfig();
        c.getAsJsonObject("vision_config").addProperty("num_hidden_layers", 1_000_000);
        Files.writeString(tmp.resolve("config.json"), c.toString());
        Files.copy(Fixtures.file("model.safetensors"), tmp.resolve("model.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipException e = assertThrows(SiglipException.class, () -> SiglipModel.fromPretrained(tmp, m));
            assertTrue(e.getMessage().contains("the config does not describe this checkpoint"), e.getMessage());
            e = assertThrows(SiglipException.class, () -> SiglipModel.fromPretrained(tmp, m, false));
            assertTrue(e.getMessage().contains("the config does not describe this checkpoint"), e.getMessage());
        }
    }

    /** The same for a SigLIP 2 NaFlex folder, whose model class reads its own config type. */
    @Test
    void aMillionLayersNextToATinySiglip2CheckpointIsRefusedBeforeBuilding() throws IOException {
        Path naflex = Fixtures.dir("siglip2-tiny-naflex");
        JsonObject c = JsonParser.parseString(Files.readString(naflex.resolve("config.json"))).getAsJsonObject();
        c.getAsJsonObject("vision_config").addProperty("num_hidden_layers", 1_000_000);
        Files.writeString(tmp.resolve("config.json"), c.toString());
        Files.copy(naflex.resolve("model.safetensors"), tmp.resolve("model.safetensors"));
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipException e = assertThrows(SiglipException.class,
                    () -> org.siglip4j.core.model.Siglip2Model.fromPretrained(tmp, m));
            assertTrue(e.getMessage().contains("the config does not describe this checkpoint"), e.getMessage());
        }
    }

    @Test
    void absurdParameterCountsAreRefusedWhenParsed() throws IOException {
        JsonObject c = fixtureConfig();
        c.getAsJsonObject("text_config").addProperty("num_hidden_layers", 1_000_000);
        c.getAsJsonObject("text_config").addProperty("hidden_size", 1024);
        c.getAsJsonObject("text_config").addProperty("num_attention_heads", 16);
        assertTrue(refused(c.toString()).getMessage().contains("text_config implies 4."));
    }

    @Test
    void deeplyNestedUnknownKeysAreRefused() {
        String json = "{\"model_type\":\"siglip\",\"vision_config\":{\"k\":" + "{\"a\":".repeat(100_000) + "1"
                + "}".repeat(100_000) + "}}";
        assertTrue(refused(json).getMessage().contains("nests deeper than 64 levels"));
        // real files nest a few levels and still parse
        SiglipConfig.fromJson("{\"model_type\":\"siglip\",\"vision_config\":{\"k\":" + "[".repeat(20) + "]".repeat(20)
                + "}}");
    }

    /** Found by the structure-aware suite: 200 bytes asking for a million default label names took 200 MB. */
    @Test
    void defaultLabelNamesAreBoundedByWhatTheFileCanJustify() throws IOException {
        JsonObject c = fixtureConfig();
        c.remove("id2label");
        c.remove("label2id");
        c.addProperty("num_labels", 1_000_000);
        assertTrue(refused(c.toString()).getMessage().contains("num_labels 1000000 is more than 100000"));
        c.addProperty("num_labels", 21_843);
        assertEquals(21_843, SiglipConfig.fromJson(c.toString()).numLabels());
    }

    @Test
    void hugeImageSizeIsRefusedWithOneLine() throws IOException {
        JsonObject c = fixtureConfig();
        c.getAsJsonObject("vision_config").addProperty("image_size", 2_000_000_000);
        assertTrue(refused(c.toString()).getMessage().contains("image_size 2000000000 is larger than 13377"));
    }
}
