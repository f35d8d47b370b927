package org.siglip4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** Image loading, Pillow resize and normalisation against HF v4.45.1 / Pillow 9.4 fixtures. */
class ImageProcessingFixtureTest {
    static final String[] NAMES = {"gradient_wide", "shapes_tall", "noise_small", "gray_checker", "rgba_overlay",
        "palette_stripes", "exif_rotated", "exact_size"};
    static final int JPEG = 6;
    /**
     * The JDK's libjpeg 6b vs Pillow's libjpeg-turbo, in uint8 levels: none (same integer IDCT,
     * upsampling and colour tables; see PillowDecodingTest for the whole corpus).
     */
    static final int JPEG_LEVELS = 0;

    static Path input(int i) {
        return Fixtures.file("inputs/" + NAMES[i] + (i == JPEG ? ".jpg" : ".png"));
    }

    /** The decoded fixture pixels (what PIL saw before resizing). */
    static RgbImage fixtureDecoded(int i) {
        Npy.Array a = Fixtures.expected("decoded_rgb_" + NAMES[i]);
        return new RgbImage((int) a.shape()[1], (int) a.shape()[0], toBytes(a.values(), 0, a.values().length));
    }

    static byte[] toBytes(double[] v, int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (int) v[from + i];
        }
        return b;
    }

    static int maxLevelDiff(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        }
        return worst;
    }

    @Test
    void pngDecodesAreExact() {
        for (int i = 0; i < NAMES.length; i++) {
            if (i == JPEG) {
                continue;
            }
            RgbImage expected = fixtureDecoded(i);
            RgbImage got = ImageLoader.load(input(i));
            assertEquals(expected.width(), got.width(), NAMES[i] + " width");
            assertEquals(expected.height(), got.height(), NAMES[i] + " height");
            assertArrayEquals(expected.rgb(), got.rgb(), NAMES[i] + " pixels");
        }
    }

    @Test
    void jpegDecodeHonoursExifAndIsClose() {
        RgbImage expected = fixtureDecoded(JPEG);
        RgbImage got = ImageLoader.load(input(JPEG));
        assertEquals(28, got.width(), "EXIF orientation 6 turns the stored 48x28 into 28x48");
        assertEquals(48, got.height());
        int diff = maxLevelDiff(expected.rgb(), got.rgb());
        System.out.println("JPEG decode: max difference to libjpeg-turbo " + diff + " levels");
        assertTrue(diff <= JPEG_LEVELS, "JPEG decode differs from libjpeg-turbo by " + diff + " levels");
    }

    @Test
    void resizeIsBitExactWithPillow() {
        Npy.Array resized = Fixtures.expected("resized_uint8");
        int per = 32 * 32 * 3;
        for (int i = 0; i < NAMES.length; i++) {
            RgbImage got = PillowResize.resize(fixtureDecoded(i), 32, 32, PillowResample.BICUBIC);
            assertArrayEquals(toBytes(resized.values(), i * per, per), got.rgb(), NAMES[i] + " resized");
        }
    }

    @Test
    void ownJpegPathResizesClose() {
        Npy.Array resized = Fixtures.expected("resized_uint8");
        int per = 32 * 32 * 3;
        RgbImage got = PillowResize.resize(ImageLoader.load(input(JPEG)), 32, 32, PillowResample.BICUBIC);
        int diff = maxLevelDiff(toBytes(resized.values(), JPEG * per, per), got.rgb());
        assertTrue(diff <= JPEG_LEVELS, "resized JPEG differs by " + diff + " levels");
    }

    @Test
    void pixelValuesMatchHf() {
        SiglipImageProcessor processor = SiglipImageProcessor.load(Fixtures.dir());
        List<RgbImage> images = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            images.add(fixtureDecoded(i));
        }
        Npy.Array expected = Fixtures.expected("pixel_values");
        float[] flat = processor.preprocessToArray(images);
        Fixtures.assertClose(expected.values(), flat, 1e-6, 0, "pixel_values");
        double worst = 0;
        for (int i = 0; i < flat.length; i++) {
            worst = Math.max(worst, Math.abs(flat[i] - expected.values()[i]));
        }
        System.out.println("pixel_values: max |difference| " + worst);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray nd = processor.preprocess(images, m);
            assertArrayEquals(expected.shape(), nd.getShape().getShape());
            Fixtures.assertClose(expected.values(), nd.toFloatArray(), 1e-6, 0, "pixel_values NDArray");
        }
        // single-thread path gives the same values
        Fixtures.assertClose(expected.values(), processor.withParallel(false).preprocessToArray(images), 1e-6, 0,
                "pixel_values (single thread)");
    }

    @Test
    void pixelValuesFromFiles() {
        SiglipImageProcessor processor = SiglipImageProcessor.load(Fixtures.dir());
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < NAMES.length; i++) {
            files.add(input(i));
        }
        Npy.Array expected = Fixtures.expected("pixel_values");
        float[] got;
        try (NDManager m = NDManager.newBaseManager()) {
            got = processor.preprocessFiles(files, m).toFloatArray();
        }
        int per = 3 * 32 * 32;
        double[] e = expected.values();
        for (int i = 0; i < NAMES.length; i++) {
            double[] ei = java.util.Arrays.copyOfRange(e, i * per, (i + 1) * per);
            float[] gi = java.util.Arrays.copyOfRange(got, i * per, (i + 1) * per);
            // a uint8 level is 2/255 after normalisation with std 0.5
            double atol = i == JPEG ? JPEG_LEVELS * 2 / 255.0 + 1e-6 : 1e-6;
            Fixtures.assertClose(ei, gi, atol, 0, "pixel_values of " + NAMES[i] + " from file");
        }
    }

    @Test
    void interpolationSizeMatchesHf() {
        SiglipImageProcessor processor = new SiglipImageProcessor(
                SiglipImageProcessorConfig.load(Fixtures.dir()).withSize(48, 64));
        List<RgbImage> images = List.of(fixtureDecoded(0), fixtureDecoded(1), fixtureDecoded(2));
        Npy.Array expected = Fixtures.expected("interp_pixel_values");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray nd = processor.preprocess(images, m);
            assertArrayEquals(expected.shape(), nd.getShape().getShape());
            Fixtures.assertClose(expected.values(), nd.toFloatArray(), 1e-6, 0, "interp_pixel_values");
        }
    }
}
