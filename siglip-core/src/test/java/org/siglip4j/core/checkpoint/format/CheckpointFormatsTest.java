package org.siglip4j.core.checkpoint.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.model.SiglipOutput;
import org.siglip4j.core.model.SiglipVisionModel;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * The open_clip, timm and big_vision fixtures (resources/formats, made by
 * scripts/reference/make_formats_golden.py) read through their HF conversion give the outputs
 * open_clip, timm and transformers (after its big_vision conversion script) computed for them.
 */
class CheckpointFormatsTest {
    static final Path FORMATS = Fixtures.dir().getParent().resolve("formats");
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "fashion-mnist-sneaker-0.png", "fashion-mnist-bag-0.png", "chelsea-photo.png",
            "coffee-photo.png");

    @TempDir
    static Path cache;
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        System.setProperty(CheckpointFormats.CACHE_PROPERTY, cache.toString());
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void tearDown() {
        System.clearProperty(CheckpointFormats.CACHE_PROPERTY);
        manager.close();
    }

    static List<Path> images() {
        return IMAGES.stream().map(n -> FORMATS.resolve("inputs").resolve(n)).toList();
    }

    static List<String> texts() throws IOException {
        return JsonParser.parseString(Files.readString(FORMATS.resolve("inputs/texts.json"))).getAsJsonArray()
                .asList().stream().map(e -> e.getAsString()).toList();
    }

    static Npy.Array expected(String layout, String name) throws IOException {
        return Npy.read(FORMATS.resolve(layout).resolve("expected").resolve(name + ".npy"));
    }

    static void assertClose(String layout, String name, NDArray actual, double atol) throws IOException {
        Npy.Array e = expected(layout, name);
        assertEquals(new Shape(e.shape()), actual.getShape(), layout + " " + name + " shape");
        Fixtures.assertClose(e.values(), actual.toFloatArray(), atol, 0, layout + " " + name);
    }

    /** Pixels, ids, embeddings and logits of a two-tower layout against its reference's. */
    static void assertTwoTowers(String layout) throws IOException {
        Path hf = CheckpointFormats.asHuggingFace(FORMATS.resolve(layout));
        try (NDManager m = manager.newSubManager(); SiglipProcessor p = SiglipProcessor.load(hf);
                SiglipModel model = SiglipModel.fromPretrained(hf, m)) {
            NDArray pixels = p.processImageFiles(images(), m);
            NDArray ids = p.processTexts(texts(), m);
            assertClose(layout, "pixel_values", pixels, 1e-5);
            assertArrayEquals(expected(layout, "input_ids").longs(), ids.toLongArray(), layout + " input_ids");
            SiglipOutput out = model.forward(ids, pixels);
            assertClose(layout, "image_embeds", out.imageEmbeds(), 1e-5);
            assertClose(layout, "text_embeds", out.textEmbeds(), 1e-5);
            assertClose(layout, "logits_per_image", out.logitsPerImage(), 1e-4);
        }
    }

    @Test
    void openClipFolderGivesOpenClipsOutputs() throws IOException {
        assertEquals(CheckpointFormats.Format.OPEN_CLIP, CheckpointFormats.detect(FORMATS.resolve("open_clip")));
        assertTwoTowers("open_clip");
        SiglipConfig c = SiglipConfig.load(CheckpointFormats.asHuggingFace(FORMATS.resolve("open_clip")));
        assertEquals("gelu", c.textConfig().hiddenAct(), "open_clip's text GELU is exact");
        assertEquals(16, c.textConfig().maxPositionEmbeddings());
    }

    @Test
    void openClipFolderRunsThroughThePipeline() throws IOException {
        try (SiglipPipeline p = SiglipPipeline.load(FORMATS.resolve("open_clip"))) {
            float[][] img = p.embedImages(images());
            float[][] txt = p.embedTexts(texts());
            Fixtures.assertClose(expected("open_clip", "logits_per_image").values(), flat(p.logits(img, txt)), 1e-4, 0,
                    "pipeline logits");
        }
    }

    @Test
    void bigVisionNpzGivesTheConversionScriptsOutputs() throws IOException {
        Path npz = FORMATS.resolve("big_vision/siglip_tiny.npz");
        assertEquals(CheckpointFormats.Format.BIG_VISION, CheckpointFormats.detect(npz));
        assertTwoTowers("big_vision");
        // the file itself names the same model as its folder
        assertEquals(CheckpointFormats.asHuggingFace(npz).resolve("config.json").toFile().length(),
                CheckpointFormats.asHuggingFace(FORMATS.resolve("big_vision")).resolve("config.json").toFile().length());
    }

    /** The converted folder's processor gives timm's eval-transform pixels (crop_pct 0.9, non-square photos). */
    static NDArray timmPixels(String layout, Path hf, NDManager m) throws IOException {
        NDArray pixels = SiglipImageProcessor.load(hf).preprocessFiles(images(), m);
        assertClose(layout, "pixel_values", pixels, 1e-5);
        return pixels;
    }

    @Test
    void timmMapTowerGivesTimmsFeatures() throws IOException {
        Path hf = CheckpointFormats.asHuggingFace(FORMATS.resolve("timm-map"));
        try (NDManager m = manager.newSubManager();
                SiglipVisionModel model = SiglipVisionModel.fromPretrained(hf, m, false)) {
            NDArray pixels = timmPixels("timm-map", hf, m);
            BaseModelOutput o = model.forward(pixels, false);
            assertClose("timm-map", "last_hidden_state", o.lastHiddenState(), 1e-5);
            assertClose("timm-map", "pooled", o.poolerOutput(), 1e-5);
        }
    }

    @Test
    void timmMapTowerClassifiesTheAttentionPooledTokenAsTimmDoes() throws IOException {
        Path hf = CheckpointFormats.asHuggingFace(FORMATS.resolve("timm-map"));
        assertEquals(List.of("SiglipForImageClassification"), SiglipConfig.load(hf).architectures());
        try (NDManager m = manager.newSubManager();
                SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(hf, m)) {
            assertTrue(model.lastLoadReport().isClean(), model.lastLoadReport().toString());
            assertTrue(SiglipForImageClassification.usesMapPooling(model.config()));
            var out = model.forward(timmPixels("timm-map", hf, m));
            assertClose("timm-map", "last_hidden_state", out.lastHiddenState(), 1e-5);
            assertClose("timm-map", "logits", out.logits(), 1e-4);
            assertEquals(5, model.id2label().size());
        }
    }

    @Test
    void timmGapTowerIsAClassifierWithTimmsLogits() throws IOException {
        Path hf = CheckpointFormats.asHuggingFace(FORMATS.resolve("timm-gap"));
        try (NDManager m = manager.newSubManager();
                SiglipForImageClassification model = SiglipForImageClassification.fromPretrained(hf, m)) {
            NDArray pixels = timmPixels("timm-gap", hf, m);
            var out = model.forward(pixels);
            assertClose("timm-gap", "last_hidden_state", out.lastHiddenState(), 1e-5);
            assertClose("timm-gap", "pooled", out.lastHiddenState().mean(new int[] {1}), 1e-5);
            assertClose("timm-gap", "logits", out.logits(), 1e-4);
        }
    }

    @Test
    void aFolderOfNoKnownLayoutSaysWhatWasLookedFor(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("weights.bin"), "x");
        SiglipException e = assertThrows(SiglipException.class, () -> CheckpointFormats.detect(dir));
        for (String f : List.of("config.json", "open_clip_config.json", ".npz")) {
            assertTrue(e.getMessage().contains(f), e.getMessage());
        }
    }

    /** An open_clip folder whose config says {@code layers} text layers, with the fixture's weights. */
    static Path openClipWithTextLayers(Path dir, int layers) throws IOException {
        Path src = FORMATS.resolve("open_clip");
        for (String f : List.of(OpenClipFormat.WEIGHTS, "spiece.model", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        JsonObject cfg = JsonParser.parseString(Files.readString(src.resolve(OpenClipFormat.CONFIG))).getAsJsonObject();
        cfg.getAsJsonObject("model_cfg").getAsJsonObject("text_cfg").addProperty("layers", layers);
        Files.writeString(dir.resolve(OpenClipFormat.CONFIG), cfg.toString());
        return dir;
    }

    @Test
    void aShallowerConfigNamesTheFirstUnusedTensor(@TempDir Path dir) throws IOException {
        SiglipException e = assertThrows(SiglipException.class,
                () -> OpenClipFormat.read(openClipWithTextLayers(dir, 1)).check());
        assertTrue(e.getMessage().contains("tensor 'text.transformer.resblocks.1.attn.in_proj_bias' is not part of"
                + " the model"), e.getMessage());
    }

    @Test
    void aDeeperConfigNamesTheFirstMissingTensor(@TempDir Path dir) throws IOException {
        SiglipException e = assertThrows(SiglipException.class,
                () -> CheckpointFormats.asHuggingFace(openClipWithTextLayers(dir, 3)));
        assertTrue(e.getMessage().contains("tensor 'text.transformer.resblocks.2.attn.in_proj_bias' is missing"),
                e.getMessage());
    }

    @Test
    void aMissingTensorIsNamed(@TempDir Path dir) throws IOException {
        Path src = FORMATS.resolve("open_clip");
        for (String f : List.of(OpenClipFormat.CONFIG, "spiece.model", "tokenizer_config.json")) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        try (NDManager m = manager.newSubManager(); SafetensorsReader r =
                SafetensorsReader.open(src.resolve(OpenClipFormat.WEIGHTS))) {
            Map<String, NDArray> kept = new LinkedHashMap<>();
            for (String k : r.tensors().keySet()) {
                if (!k.equals("visual.trunk.attn_pool.kv.weight")) {
                    kept.put(k, r.load(k, m));
                }
            }
            SafetensorsWriter.write(dir.resolve(OpenClipFormat.WEIGHTS), kept);
        }
        SiglipException e = assertThrows(SiglipException.class, () -> OpenClipFormat.read(dir).check());
        assertTrue(e.getMessage().contains("tensor 'visual.trunk.attn_pool.kv.weight' is missing"), e.getMessage());
    }

    @Test
    void hfToOpenClipAndBackKeepsEveryTensor(@TempDir Path dir) {
        Path oc = dir.resolve("open_clip");
        CheckpointFormats.convert(Fixtures.dir(), CheckpointFormats.Format.OPEN_CLIP, oc, "local-dir");
        assertEquals(CheckpointFormats.Format.OPEN_CLIP, CheckpointFormats.detect(oc));
        Path back = dir.resolve("hf");
        CheckpointFormats.convert(oc, CheckpointFormats.Format.HUGGING_FACE, back, null);
        try (NDManager m = manager.newSubManager(); Checkpoint a = Checkpoint.open(Fixtures.dir());
                Checkpoint b = Checkpoint.open(back)) {
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (String k : a.tensors().keySet()) {
                assertArrayEquals(a.load(k, m).toFloatArray(), b.load(k, m).toFloatArray(), k);
            }
        }
        SiglipConfig orig = SiglipConfig.load(Fixtures.dir());
        SiglipConfig round = SiglipConfig.load(back);
        assertEquals(orig.textConfig().hiddenAct(), round.textConfig().hiddenAct());
        assertEquals(orig.visionConfig().numAttentionHeads(), round.visionConfig().numAttentionHeads());
        assertEquals(orig.visionConfig().intermediateSize(), round.visionConfig().intermediateSize());
    }

    static float[] flat(float[][] a) {
        int n = 0;
        for (float[] r : a) {
            n += r.length;
        }
        float[] f = new float[n];
        int i = 0;
        for (float[] r : a) {
            System.arraycopy(r, 0, f, i, r.length);
            i += r.length;
        }
        return f;
    }
}
