package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;

/**
 * The pipelines on a SigLIP 2 NaFlex folder ({@code siglip2-tiny-naflex}) against transformers
 * 5.18: HF's zero-shot pipeline scores, embeddings, and the {@code max_num_patches} option.
 */
class Siglip2NaFlexPipelineTest {
    static final String FOLDER = "siglip2-tiny-naflex";

    @Test
    void zeroShotAndEmbeddingsMatchHf() throws IOException {
        try (SiglipPipeline p = SiglipPipeline.load(Fixtures.dir(FOLDER))) {
            assertNull(p.model());
            assertNotNull(p.siglip2Model());
            Siglip2FixResTest.assertZeroShotMatches(new ZeroShotImageClassifier(p), FOLDER);
            float[][] image = p.embedImages(Siglip2FixResTest.images());
            Fixtures.assertClose(Fixtures.expected(FOLDER, "image_embeds").values(), Siglip2FixResTest.flat(image),
                    1e-5, 0, "image_embeds");
            float[][] text = p.embedTexts(Siglip2FixResTest.texts(FOLDER).subList(0, 8));
            Fixtures.assertClose(Fixtures.expected(FOLDER, "text_embeds").values(), Siglip2FixResTest.flat(text),
                    1e-5, 0, "text_embeds");
            Fixtures.assertClose(Fixtures.expected(FOLDER, "logits_per_image").values(),
                    Siglip2FixResTest.flat(p.logits(image, text)), 1e-4, 0, "logits_per_image");
        }
    }

    @Test
    void maxNumPatchesIsAnOption() {
        try (SiglipPipeline p = SiglipPipeline.builder().setModelDir(Fixtures.dir(FOLDER)).optMaxNumPatches(9)
                .optBatchSize(3).build()) {
            Fixtures.assertClose(Fixtures.expected(FOLDER, "image_embeds_max9").values(),
                    Siglip2FixResTest.flat(p.embedImages(Siglip2FixResTest.images())), 1e-5, 0,
                    "image_embeds at max_num_patches=9, batches of 3");
        }
        SiglipException e = assertThrows(SiglipException.class,
                () -> SiglipPipeline.builder().setModelDir(Fixtures.dir("siglip2-tiny-fixres")).optMaxNumPatches(9)
                        .build());
        assertTrue(e.getMessage().contains("NaFlex"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> SiglipPipeline.builder().optMaxNumPatches(0));
        assertTrue(e.getMessage().contains("max_num_patches must be at least 1"), e.getMessage());
    }
}
