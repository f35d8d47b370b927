package org.siglip4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.fuzz.FuzzHarness;
import org.siglip4j.core.fuzz.Mutator;
import org.siglip4j.core.testing.Fixtures;

/**
 * Mutation fuzzing of the image path: {@link ImageLoader#decode} (ImageIO PNG/JPEG decoders, the
 * EXIF orientation parser, the RGB conversion) and the processor's resize + normalise, over the
 * fixture's PNG and JPEG inputs; targeted lies: PNG IHDR width/height, JPEG SOF dimensions and
 * the EXIF IFD entry count/offsets. Images whose header claims more pixels than
 * {@link ImageLoader#MAX_PIXELS} must be refused before the decoder allocates them.
 */
class ImageDecoderFuzzTest {

    static int indexOf(byte[] d, byte[] what, int from) {
        outer:
        for (int i = Math.max(0, from); i + what.length <= d.length; i++) {
            for (int k = 0; k < what.length; k++) {
                if (d[i + k] != what[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Lies about the image size in the PNG IHDR or JPEG SOF, or about EXIF offsets. */
    static byte[] lyingDimensions(byte[] seed, Random rnd) {
        byte[] d = seed.clone();
        long[] sizes = {0, 1, 2, 0x7FFF, 0xFFFF, 46_341, 13_380, 20_000, 65_535, 0x7FFF_FFFFL, 0x8000_0000L,
            0xFFFF_FFFFL};
        int ihdr = indexOf(d, new byte[] {'I', 'H', 'D', 'R'}, 0);
        if (ihdr >= 0 && ihdr + 12 <= d.length) {
            Mutator.putInt(d, ihdr + 4 + (rnd.nextBoolean() ? 0 : 4), 4, sizes[rnd.nextInt(sizes.length)], false);
            if (rnd.nextBoolean()) {
                Mutator.putInt(d, ihdr + 4 + (rnd.nextBoolean() ? 0 : 4), 4, sizes[rnd.nextInt(sizes.length)], false);
            }
            return d;
        }
        int sof = indexOf(d, new byte[] {(byte) 0xFF, (byte) 0xC0}, 2);
        if (sof < 0) {
            sof = indexOf(d, new byte[] {(byte) 0xFF, (byte) 0xC2}, 2);
        }
        int exif = indexOf(d, new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0);
        if (exif >= 0 && rnd.nextBoolean()) {
            int tiff = exif + 6;
            int at = tiff + 4 + rnd.nextInt(12);
            if (at + 4 <= d.length) {
                Mutator.putInt(d, at, 1 << rnd.nextInt(3), sizes[rnd.nextInt(sizes.length)], rnd.nextBoolean());
            }
            return d;
        }
        if (sof >= 0 && sof + 9 <= d.length) {
            Mutator.putInt(d, sof + 5 + (rnd.nextBoolean() ? 0 : 2), 2, sizes[rnd.nextInt(sizes.length)], false);
        }
        return d;
    }

    @Test
    void mutatedImagesDecodeOrFailWithAMessage() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        try (Stream<Path> s = Files.list(Fixtures.file("inputs"))) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.endsWith(".png") || n.endsWith(".jpg")) {
                    seeds.add(Files.readAllBytes(p));
                }
            }
        }
        assertEquals(8, seeds.size());
        Mutator mutator = new Mutator(seeds);
        SiglipImageProcessor processor = SiglipImageProcessor.load(Fixtures.dir()).withParallel(false);
        FuzzHarness.Report r = FuzzHarness.run("image decode+preprocess", FuzzHarness.iterations(), rnd -> {
            if (rnd.nextInt(5) == 0) {
                byte[] lied = lyingDimensions(seeds.get(rnd.nextInt(seeds.size())), rnd);
                return rnd.nextBoolean() ? lied : mutator.mutate(lied, rnd);
            }
            return mutator.mutate(rnd);
        }, input -> {
            RgbImage img = ImageLoader.decode(input, "fuzzed image");
            assertEquals((long) img.width() * img.height() * 3, img.rgb().length);
            float[] px = processor.preprocess(img);
            assertEquals(3 * processor.height() * processor.width(), px.length);
        }, List.of(), 20, 11L * ImageLoader.MAX_PIXELS + (64L << 20));
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() > 0 && r.rejected() > 0, r.toString());
    }
}
