package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;

/**
 * Parameter counts of the presets. Published sizes (Hugging Face Hub "model size" of the
 * google/siglip-* repositories, rounded there to 3-4 significant digits): base-224 203M,
 * multilingual 371M, large 652M, so400m 877M (224) / 878M (384), so400m-i18n 1.13B. The exact
 * values are the closed-form counts; each is also cross-checked against the sum of the declared
 * parameter shapes of the real block.
 */
class SiglipPresetsTest {
    static final Map<String, Long> EXACT = Map.ofEntries(
            Map.entry("base-patch16-224", 203_155_970L),
            Map.entry("base-patch16-256", 203_202_050L),
            Map.entry("base-patch16-384", 203_447_810L),
            Map.entry("base-patch16-512", 203_791_874L),
            Map.entry("base-patch16-256-multilingual", 370_626_050L),
            Map.entry("large-patch16-256", 652_150_786L),
            Map.entry("large-patch16-384", 652_478_466L),
            Map.entry("so400m-patch14-224", 877_360_306L),
            Map.entry("so400m-patch14-384", 877_960_498L),
            Map.entry("so400m-patch16-256-i18n", 1_128_758_962L));

    /**
     * SigLIP 2 FixRes: SigLIP 1's tree with Gemma's 256,000-token embedding, so each count is its
     * SigLIP 1 twin's plus 224,000 x D; Hub sizes 375M (base), 882M (large), 1.14B (so400m/14-384).
     */
    static final Map<String, Long> SIGLIP2 = Map.of(
            "siglip2-base-patch16-224", 203_155_970L + 224_000L * 768,
            "siglip2-base-patch16-384", 203_447_810L + 224_000L * 768,
            "siglip2-large-patch16-256", 652_150_786L + 224_000L * 1024,
            "siglip2-so400m-patch14-384", 877_960_498L + 224_000L * 1152);

    @Test
    void siglip2PresetsCountTheirGemmaVocabulary() {
        SIGLIP2.forEach((name, count) -> assertEquals(count, SiglipPresets.get("google/" + name).parameterCount(),
                name));
        assertEquals(375e6, SIGLIP2.get("siglip2-base-patch16-224"), 0.5e6);
        assertEquals(882e6, SIGLIP2.get("siglip2-large-patch16-256"), 0.5e6);
        assertEquals(1.14e9, SIGLIP2.get("siglip2-so400m-patch14-384"), 0.005e9);
        assertEquals(64, SiglipPresets.get("siglip2-so400m-patch16-512").textConfig().maxPositionEmbeddings());
    }

    @Test
    void everyPresetCountMatchesItsBlockAndPublishedSize() {
        for (String name : SiglipPresets.names()) {
            assertTrue(EXACT.containsKey(name) || name.startsWith("siglip2-"), name);
        }
        assertTrue(SiglipPresets.names().containsAll(EXACT.keySet()));
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : SiglipPresets.names()) {
                SiglipConfig c = SiglipPresets.get(name);
                if (EXACT.containsKey(name)) {
                    assertEquals(EXACT.get(name), c.parameterCount(), name);
                }
                try (SiglipModel model = new SiglipModel(c, m)) {
                    assertEquals(c.parameterCount(), model.parameterCount(), name + " block shapes");
                }
            }
        }
        assertEquals(203.16e6, EXACT.get("base-patch16-224"), 0.005e6);
        assertEquals(878e6, EXACT.get("so400m-patch14-384"), 0.5e6);
        assertEquals(877e6, EXACT.get("so400m-patch14-224"), 0.5e6);
        assertEquals(371e6, EXACT.get("base-patch16-256-multilingual"), 0.5e6);
        assertEquals(652e6, EXACT.get("large-patch16-256"), 0.5e6);
        assertEquals(1.13e9, EXACT.get("so400m-patch16-256-i18n"), 0.005e9);
    }

    @Test
    void presetShapes() {
        SiglipConfig so = SiglipConfig.preset("google/siglip-so400m-patch14-384");
        assertEquals(1152, so.visionConfig().hiddenSize());
        assertEquals(4304, so.visionConfig().intermediateSize());
        assertEquals(27, so.textConfig().numHiddenLayers());
        assertEquals(16, so.textConfig().numAttentionHeads());
        assertEquals(729, so.visionConfig().numPatches());
        assertEquals(16, SiglipPresets.get("so400m-patch14-224").textConfig().maxPositionEmbeddings());
        assertEquals(250000, SiglipPresets.get("base-patch16-256-multilingual").textConfig().vocabSize());
        assertTrue(assertThrows(SiglipException.class, () -> SiglipPresets.get("huge")).getMessage()
                .contains("base-patch16-224"));
    }
}
