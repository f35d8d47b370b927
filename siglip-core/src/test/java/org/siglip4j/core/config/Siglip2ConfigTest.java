package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** SigLIP 2 NaFlex configs: presets, parsing errors, and a save/load round trip of the fixture model. */
class Siglip2ConfigTest {

    /**
     * NaFlex has SigLIP's parameter count at 256 positions (Linear C*p*p -> D holds the Conv2d's
     * weights): base = siglip2-base-patch16-256 (Hub: 375M), so400m = siglip2-so400m-patch16-256.
     */
    @Test
    void presetsCountLikeTheirFixResTwinsAndTheirBlocks() {
        assertEquals(SiglipPresets.get("siglip2-base-patch16-256").parameterCount(),
                Siglip2Config.preset("google/siglip2-base-patch16-naflex").parameterCount());
        assertEquals(SiglipPresets.get("siglip2-so400m-patch16-256").parameterCount(),
                Siglip2Config.preset("so400m-patch16-naflex").parameterCount());
        assertEquals(375e6, Siglip2Config.preset("base-patch16-naflex").parameterCount(), 0.5e6);
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : new String[] {"base-patch16-naflex", "so400m-patch16-naflex"}) {
                Siglip2Config c = Siglip2Config.preset(name);
                try (Siglip2Model model = new Siglip2Model(c, m)) {
                    assertEquals(c.parameterCount(), model.parameterCount(), name + " block shapes");
                }
            }
        }
        assertThrows(SiglipException.class, () -> Siglip2Config.preset("huge-naflex"));
    }

    @Test
    void badConfigsSayWhatIsWrong() {
        SiglipException e = assertThrows(SiglipException.class, () -> Siglip2Config.fromJson(
                "{\"model_type\": \"siglip2\", \"vision_config\": {\"num_patches\": 200}}"));
        assertTrue(e.getMessage().contains("num_patches must be a square number"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> Siglip2Config.fromJson("{\"model_type\": \"siglip\"}"));
        assertTrue(e.getMessage().contains("expected 'siglip2'"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> SiglipConfig.load(Fixtures.dir("siglip2-tiny-naflex")));
        assertTrue(e.getMessage().contains("load it with Siglip2Model"), e.getMessage());
        assertTrue(Siglip2Config.isSiglip2(Fixtures.dir("siglip2-tiny-naflex")));
        assertFalse(Siglip2Config.isSiglip2(Fixtures.dir("siglip2-tiny-fixres")));
    }

    @Test
    void saveAndLoadBackGiveTheSameModel(@TempDir Path tmp) {
        try (NDManager m = NDManager.newBaseManager();
                Siglip2Model model = Siglip2Model.fromPretrained(Fixtures.dir("siglip2-tiny-naflex"), m)) {
            model.save(tmp);
            try (Siglip2Model back = Siglip2Model.fromPretrained(tmp, m)) {
                assertEquals(model.siglip2Config().visionConfig(), back.siglip2Config().visionConfig());
                Npy.Array px = Fixtures.expected("siglip2-tiny-naflex", "pixel_values");
                Npy.Array mask = Fixtures.expected("siglip2-tiny-naflex", "pixel_attention_mask");
                Npy.Array shapes = Fixtures.expected("siglip2-tiny-naflex", "spatial_shapes");
                NDArray p = m.create(px.floats(), new Shape(px.shape()));
                NDArray k = m.create(mask.longs(), new Shape(mask.shape()));
                NDArray s = m.create(shapes.longs(), new Shape(shapes.shape()));
                Fixtures.assertClose(Fixtures.expected("siglip2-tiny-naflex", "image_embeds").values(),
                        back.imageEmbeds(p, k, s).toFloatArray(), 1e-5, 0, "embeddings after save/load");
            }
        }
    }
}
