package org.siglip4j.train.data;

import org.junit.jupiter.api.Test;
import org.siglip4j.core.processing.PillowResample;
import org.siglip4j.core.processing.PillowResize;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {
    private static final SiglipImageProcessor PROCESSOR = SiglipImageProcessor.load(Fixtures.dir());

    /** A 40x30 image whose every pixel is distinct: R = x, G = y, B = x * y mod 256. */
    private static RgbImage ramp() {
        int w = 40;
        int h = 30;
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                px[(y * w + x) * 3] = (byte) (x * 6);
                px[(y * w + x) * 3 + 1] = (byte) (y * 8);
                px[(y * w + x) * 3 + 2] = (byte) (x * y);
            }
        }
        return new RgbImage(w, h, px);
    }

    @Test
    void flipMirrorsEveryPixel() {
        RgbImage img = ramp();
        RgbImage f = Augmentation.flipHorizontally(img);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(img.get(img.width() - 1 - x, y, c), f.get(x, y, c), "pixel " + x + "," + y);
                }
            }
        }
        assertArrayEquals(img.rgb(), Augmentation.flipHorizontally(f).rgb());
    }

    @Test
    void flipOnlyAugmentationIsTheMirroredResizeForAboutHalfTheSeeds() {
        Augmentation flipOnly = new Augmentation(false, 1, 1, 1, 1, true);
        RgbImage img = ramp();
        RgbImage plain = PROCESSOR.resize(img);
        RgbImage mirrored = Augmentation.flipHorizontally(plain);
        int flipped = 0;
        for (int s = 0; s < 200; s++) {
            RgbImage out = flipOnly.apply(PROCESSOR, img, Augmentation.seed(7, s, 3));
            boolean isMirror = java.util.Arrays.equals(mirrored.rgb(), out.rgb());
            assertTrue(isMirror || java.util.Arrays.equals(plain.rgb(), out.rgb()), "seed " + s);
            flipped += isMirror ? 1 : 0;
        }
        assertTrue(flipped > 70 && flipped < 130, flipped + " of 200 flipped");
    }

    @Test
    void cropsStayInsideTheImageAndWithinTheScaleAndAspectRanges() {
        Augmentation a = Augmentation.standard();
        SplittableRandom rnd = new SplittableRandom(1);
        for (int[] size : List.of(new int[] {40, 30}, new int[] {224, 224}, new int[] {500, 60}, new int[] {3, 3})) {
            int w = size[0];
            int h = size[1];
            for (int i = 0; i < 500; i++) {
                Augmentation.Crop c = a.sampleCrop(w, h, rnd);
                assertTrue(c.x() >= 0 && c.y() >= 0 && c.width() >= 1 && c.height() >= 1, c.toString());
                assertTrue(c.x() + c.width() <= w && c.y() + c.height() <= h, c + " in " + w + "x" + h);
                double ratio = (double) c.width() / c.height();
                // Rounding to whole pixels moves the ratio by at most one pixel on either side.
                double slack = 1.0 / Math.min(c.width(), c.height()) * 2.5;
                assertTrue(ratio >= 0.75 * (1 - slack) && ratio <= 4.0 / 3 * (1 + slack),
                        "aspect " + ratio + " of " + c + " in " + w + "x" + h);
                if (w == 224) {
                    // A tried crop has its area in the scale range; the fallback is the whole (square) image.
                    double area = (double) c.width() * c.height() / (w * h);
                    assertTrue(area >= 0.8 * 0.98 && area <= 1.0, "area " + area + " of " + c);
                }
            }
        }
        // 500x60 is far outside 3/4..4/3 for big crops: the fallback centre crop keeps 4/3.
        Augmentation.Crop fallback = new Augmentation(true, 1, 1, 0.75, 4.0 / 3, false).sampleCrop(500, 60, rnd);
        assertEquals(new Augmentation.Crop(210, 0, 80, 60), fallback);
    }

    @Test
    void cropCopiesTheRectangleAndResizeUsesPillowBicubic() {
        RgbImage img = ramp();
        Augmentation.Crop c = new Augmentation.Crop(5, 7, 20, 10);
        RgbImage cut = Augmentation.crop(img, c);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 20; x++) {
                assertEquals(img.get(5 + x, 7 + y, 2), cut.get(x, y, 2));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Augmentation.crop(img, new Augmentation.Crop(30, 0, 20, 5)));
        // The full pipeline equals crop + Pillow bicubic + optional flip with the same draws.
        Augmentation a = new Augmentation(true, 0.8, 1.0, 0.75, 4.0 / 3, true);
        long seed = Augmentation.seed(3, 10, 4);
        SplittableRandom rnd = new SplittableRandom(seed);
        Augmentation.Crop drawn = a.sampleCrop(img.width(), img.height(), rnd);
        RgbImage want = PillowResize.resize(Augmentation.crop(img, drawn), 32, 32, PillowResample.BICUBIC);
        if (rnd.nextBoolean()) {
            want = Augmentation.flipHorizontally(want);
        }
        assertArrayEquals(want.rgb(), a.apply(PROCESSOR, img, seed).rgb());
    }

    @Test
    void theSameSeedGivesTheSamePixelsAndOtherSeedsDiffer() {
        Augmentation a = Augmentation.standard();
        RgbImage img = ramp();
        float[] first = a.preprocess(PROCESSOR, img, Augmentation.seed(42, 5, 9));
        assertArrayEquals(first, a.preprocess(PROCESSOR, img, Augmentation.seed(42, 5, 9)));
        Set<Integer> distinct = new HashSet<>();
        for (int s = 0; s < 20; s++) {
            distinct.add(java.util.Arrays.hashCode(a.preprocess(PROCESSOR, img, Augmentation.seed(42, s, 9))));
        }
        assertTrue(distinct.size() > 10, "only " + distinct.size() + " distinct augmentations of 20");
        assertFalse(Augmentation.seed(1, 2, 3) == Augmentation.seed(1, 3, 2));
        assertFalse(Augmentation.NONE.enabled());
        assertArrayEquals(PROCESSOR.preprocess(img), Augmentation.NONE.preprocess(PROCESSOR, img, 123));
    }
}
