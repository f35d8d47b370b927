package org.siglip4j.core.checkpoint.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.ResizeCenterCrop;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * timm's and open_clip's eval transforms (resources/formats/preprocess, made by
 * scripts/reference/make_formats_golden.py with timm 1.0.29's {@code create_transform} and open_clip
 * 3.3.0's {@code image_transform_v2}, cross-checked there against a PIL re-implementation) on the
 * fixture's images, non-square photos included: every crop mode, crop_pct, interpolation and fill.
 */
class ForeignPreprocessingTest {
    static final Path DIR = CheckpointFormatsTest.FORMATS.resolve("preprocess");

    static Stream<JsonObject> cases() throws IOException {
        List<JsonObject> l = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(DIR.resolve("cases.json"))).getAsJsonArray()) {
            l.add(e.getAsJsonObject());
        }
        return l.stream();
    }

    /** The processor config a layout's reader makes of the case's config. */
    static SiglipImageProcessorConfig config(JsonObject c) {
        JsonObject cfg = c.getAsJsonObject("config");
        return c.get("layout").getAsString().equals("timm")
                ? TimmFormat.preprocessing(cfg, 224, "case")
                : OpenClipFormat.preprocessing(cfg, c.get("image_size").getAsInt(), "case");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pixelsAreTheLibrarysOwn(JsonObject c) throws IOException {
        String name = c.get("name").getAsString();
        Npy.Array expected = Npy.read(DIR.resolve(name + ".npy"));
        SiglipImageProcessorConfig config = config(c);
        assertEquals(expected.shape()[2], config.height(), name + " height");
        assertEquals(expected.shape()[3], config.width(), name + " width");
        float[] got = new SiglipImageProcessor(config, false).preprocessFilesToArray(CheckpointFormatsTest.images());
        Fixtures.assertClose(expected.values(), got, 1e-5, 0, name);
        // what the converted folder stores reads back as the same config
        SiglipImageProcessorConfig back = SiglipImageProcessorConfig.fromJson(
                ForeignCheckpoint.preprocessorJson(config), name);
        assertEquals(config, back, name + " through preprocessor_config.json");
    }

    @Test
    void timmsDefaultsAreCentreCropAtZeroPointEightSevenFive() {
        SiglipImageProcessorConfig c = TimmFormat.preprocessing(new JsonObject(), 224, "case");
        ResizeCenterCrop step = c.centerCrop();
        assertNotNull(step);
        assertEquals(ResizeCenterCrop.Mode.SHORTEST_EDGE, step.mode());
        assertEquals(256, step.height()); // floor(224 / 0.875)
        assertEquals(224, c.height());
    }

    @Test
    void unknownModesAreRefusedInOneLine() {
        JsonObject timm = new JsonObject();
        timm.addProperty("crop_mode", "random");
        SiglipException e = assertThrows(SiglipException.class, () -> TimmFormat.preprocessing(timm, 32, "cfg"));
        assertTrue(e.getMessage().contains("center, squash, border"), e.getMessage());
        JsonObject oc = new JsonObject();
        oc.addProperty("resize_mode", "crop");
        e = assertThrows(SiglipException.class, () -> OpenClipFormat.preprocessing(oc, 32, "cfg"));
        assertTrue(e.getMessage().contains("shortest, longest, squash"), e.getMessage());
    }

    @Test
    void anOpenClipFolderWithShortestResizeKeepsItsModeThroughConversion(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws IOException {
        Path src = CheckpointFormatsTest.FORMATS.resolve("open_clip");
        Path dir = Files.createDirectories(tmp.resolve("oc"));
        for (String f : List.of(OpenClipFormat.WEIGHTS, "spiece.model", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        JsonObject cfg = JsonParser.parseString(Files.readString(src.resolve(OpenClipFormat.CONFIG))).getAsJsonObject();
        JsonObject pre = cfg.getAsJsonObject("preprocess_cfg");
        pre.addProperty("resize_mode", "longest");
        pre.addProperty("fill_color", 127);
        Files.writeString(dir.resolve(OpenClipFormat.CONFIG), cfg.toString());
        Path hf = tmp.resolve("hf");
        OpenClipFormat.read(dir).writeHuggingFace(hf);
        Path back = tmp.resolve("back");
        OpenClipFormat.write(hf, back, "local-dir");
        JsonObject written = JsonParser.parseString(Files.readString(back.resolve(OpenClipFormat.CONFIG)))
                .getAsJsonObject().getAsJsonObject("preprocess_cfg");
        assertEquals("longest", written.get("resize_mode").getAsString());
        assertEquals(127, written.get("fill_color").getAsInt());
        assertArrayEquals(new int[] {127, 127, 127},
                SiglipImageProcessorConfig.load(hf).centerCrop().fill());
    }
}
