package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.testing.Fixtures;

/**
 * The published base NaFlex size (768 wide, 12 layers, 256,000 tokens, 16 x 16 positions,
 * max_num_patches 256) with random weights on four real photos, against transformers 5.18 at 1e-4.
 * The 1.5 GB weights are not committed: {@code STEP=base scripts/reference/make_siglip2_golden.py}
 * writes them to {@code /tmp/siglip2-base-naflex}; point {@code -Dsiglip4j.siglip2BaseDir} (or
 * {@code SIGLIP2_BASE_DIR}) at that folder to run this test. The expected outputs and photos are
 * committed in {@code siglip2-base-naflex-expected}.
 */
class Siglip2BaseSizeTest {
    static final String EXPECTED = "siglip2-base-naflex-expected";
    static final List<String> PHOTOS = List.of("astronaut.jpg", "coffee.jpg", "chelsea.jpg", "rocket.jpg");

    @Test
    void baseSizeMatchesHfOnRealPhotos() {
        String dir = System.getProperty("siglip4j.siglip2BaseDir", System.getenv("SIGLIP2_BASE_DIR"));
        assumeTrue(dir != null && Files.isRegularFile(Path.of(dir, "model.safetensors")),
                "base-size SigLIP 2 weights not present: run STEP=base scripts/reference/make_siglip2_golden.py"
                        + " and pass -Dsiglip4j.siglip2BaseDir=/tmp/siglip2-base-naflex");
        Path inputs = Fixtures.dir(EXPECTED).resolve("inputs");
        List<Path> photos = PHOTOS.stream().map(inputs::resolve).toList();
        List<RgbImage> decoded = photos.stream().map(ImageLoader::load).toList();
        try (SiglipPipeline p = SiglipPipeline.load(Path.of(dir))) {
            Siglip2ImageProcessor.Batch b = p.siglip2ImageProcessor().process(decoded);
            assertArrayEquals(Fixtures.expected(EXPECTED, "spatial_shapes").longs(), b.spatialShapes());
            float[][] image = p.embedImages(photos);
            float[][] text = p.embedTexts(List.of("an astronaut", "a cup of coffee", "a cat", "a rocket"));
            Fixtures.assertClose(Fixtures.expected(EXPECTED, "image_embeds").values(), Siglip2FixResTest.flat(image),
                    1e-4, 0, "base image_embeds");
            Fixtures.assertClose(Fixtures.expected(EXPECTED, "text_embeds").values(), Siglip2FixResTest.flat(text),
                    1e-4, 0, "base text_embeds");
            Fixtures.assertClose(Fixtures.expected(EXPECTED, "logits_per_image").values(),
                    Siglip2FixResTest.flat(p.logits(image, text)), 1e-4, 0, "base logits_per_image");
            System.out.println("base NaFlex on real photos: spatial shapes "
                    + java.util.Arrays.toString(b.spatialShapes()) + " match HF; embeddings within 1e-4");
        }
    }
}
