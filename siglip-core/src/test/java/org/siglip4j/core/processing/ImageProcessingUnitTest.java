package org.siglip4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;

/** Conversion rules, EXIF transforms, config parsing and error messages. */
class ImageProcessingUnitTest {

    static RgbImage random(int w, int h, long seed) {
        byte[] b = new byte[w * h * 3];
        new Random(seed).nextBytes(b);
        return new RgbImage(w, h, b);
    }

    /** Pillow's algorithm in plain double precision (no fixed point; the intermediate is clamped, not rounded). */
    static double[] referenceResize(RgbImage in, int ow, int oh, PillowResample f) {
        double[][] wx = weights(in.width(), ow, f);
        double[][] wy = weights(in.height(), oh, f);
        double[] tmp = new double[in.height() * ow * 3];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int i = 0; i < in.width(); i++) {
                        s += wx[x][i] * in.get(i, y, c);
                    }
                    tmp[(y * ow + x) * 3 + c] = Math.max(0, Math.min(255, s));
                }
            }
        }
        double[] out = new double[oh * ow * 3];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < 3; c++) {
                    double s = 0;
                    for (int j = 0; j < in.height(); j++) {
                        s += wy[y][j] * tmp[(j * ow + x) * 3 + c];
                    }
                    out[(y * ow + x) * 3 + c] = s;
                }
            }
        }
        return out;
    }

    static double[][] weights(int in, int out, PillowResample f) {
        double scale = (double) in / out;
        double fs = Math.max(1, scale);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            double sum = 0;
            for (int i = 0; i < in; i++) {
                if (Math.abs(i + 0.5 - center) < f.support() * fs + 0.5) {
                    w[o][i] = f.filter((i + 0.5 - center) / fs);
                    sum += w[o][i];
                }
            }
            for (int i = 0; i < in; i++) {
                w[o][i] /= sum;
            }
        }
        return w;
    }

    @Test
    void resizeAgreesWithDoublePrecisionPillowWithinRounding() {
        int[][] sizes = {{50, 37, 20, 13}, {7, 9, 31, 17}, {40, 40, 40, 23}, {40, 40, 23, 40}, {64, 20, 32, 32}};
        for (PillowResample f : PillowResample.values()) {
            for (int[] s : sizes) {
                RgbImage in = random(s[0], s[1], s[2] * 31L + s[3]);
                RgbImage got = PillowResize.resize(in, s[2], s[3], f);
                double[] ref = referenceResize(in, s[2], s[3], f);
                for (int i = 0; i < ref.length; i++) {
                    double r = Math.max(0, Math.min(255, ref[i]));
                    // two rounded passes: within about one level of the unrounded value
                    assertTrue(Math.abs((got.rgb()[i] & 0xFF) - r) <= 1.6,
                            f + " " + Arrays.toString(s) + " at " + i + ": " + (got.rgb()[i] & 0xFF) + " vs " + r);
                }
            }
        }
    }

    @Test
    void constantImageStaysConstantAndSameSizeIsACopy() {
        byte[] b = new byte[9 * 5 * 3];
        Arrays.fill(b, (byte) 200);
        RgbImage in = new RgbImage(9, 5, b);
        for (PillowResample f : PillowResample.values()) {
            RgbImage out = PillowResize.resize(in, 4, 11, f);
            for (byte v : out.rgb()) {
                assertEquals(200, v & 0xFF);
            }
        }
        RgbImage copy = PillowResize.resize(in, 9, 5, PillowResample.BICUBIC);
        assertArrayEquals(in.rgb(), copy.rgb());
        assertNotSame(in.rgb(), copy.rgb());
    }

    @Test
    void exifTransformsMatchTheirDefinitions() {
        RgbImage img = random(3, 2, 7);
        // 6 = rotate 90 degrees clockwise: the bottom-left pixel goes to the top-left
        RgbImage r6 = ExifOrientation.apply(img, 6);
        assertEquals(2, r6.width());
        assertEquals(3, r6.height());
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(0, 1, c), r6.get(0, 0, c));
            assertEquals(img.get(2, 0, c), r6.get(1, 2, c));
        }
        assertArrayEquals(img.rgb(), ExifOrientation.apply(r6, 8).rgb(), "8 undoes 6");
        assertArrayEquals(img.rgb(), ExifOrientation.apply(ExifOrientation.apply(img, 3), 3).rgb());
        assertArrayEquals(img.rgb(), ExifOrientation.apply(ExifOrientation.apply(img, 2), 2).rgb());
        assertArrayEquals(img.rgb(), ExifOrientation.apply(ExifOrientation.apply(img, 4), 4).rgb());
        assertArrayEquals(ExifOrientation.apply(ExifOrientation.apply(img, 2), 3).rgb(),
                ExifOrientation.apply(img, 4).rgb(), "mirror then rotate 180 = flip vertically");
        RgbImage t = ExifOrientation.apply(img, 5);
        for (int c = 0; c < 3; c++) {
            assertEquals(img.get(2, 1, c), t.get(1, 2, c), "transpose");
        }
        assertArrayEquals(ExifOrientation.apply(ExifOrientation.apply(img, 5), 3).rgb(),
                ExifOrientation.apply(img, 7).rgb(), "transverse = transpose + rotate 180");
        assertEquals(6, ExifOrientation.read(readFixture("inputs/exif_rotated.jpg")));
        assertEquals(1, ExifOrientation.read(readFixture("inputs/gradient_wide.png")));
        assertEquals(1, ExifOrientation.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 100}));
    }

    static byte[] readFixture(String rel) {
        try {
            return Files.readAllBytes(Fixtures.file(rel));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void grayAndPaletteAreReadWithoutColourManagement() throws IOException {
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 128);
        gray.getRaster().setSample(1, 0, 0, 3);
        // round trip through PNG too: the decoder must not gamma-correct either
        for (BufferedImage img : List.of(gray, roundTrip(gray, "png"))) {
            RgbImage rgb = ImageLoader.toRgb(img);
            assertArrayEquals(new byte[] {(byte) 128, (byte) 128, (byte) 128, 3, 3, 3}, rgb.rgb());
        }
        IndexColorModel icm = new IndexColorModel(8, 2, new byte[] {10, 20}, new byte[] {30, 40},
                new byte[] {50, 60}, new byte[] {0, (byte) 255});
        BufferedImage pal = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        pal.getRaster().setSample(0, 0, 0, 0);
        pal.getRaster().setSample(1, 0, 0, 1);
        assertArrayEquals(new byte[] {10, 30, 50, 20, 40, 60}, ImageLoader.toRgb(pal).rgb(),
                "palette colours, transparent entry keeps its colour");
        BufferedImage rgba = new BufferedImage(1, 1, BufferedImage.TYPE_4BYTE_ABGR);
        rgba.getRaster().setPixel(0, 0, new int[] {90, 80, 70, 0});
        assertArrayEquals(new byte[] {90, 80, 70}, ImageLoader.toRgb(rgba).rgb(), "alpha dropped, colour kept");
        assertArrayEquals(new byte[] {90, 80, 70}, ImageLoader.toRgb(roundTrip(rgba, "png")).rgb());
        BufferedImage ushort = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        ushort.getRaster().setSample(0, 0, 0, 100);
        ushort.getRaster().setSample(1, 0, 0, 40000);
        assertArrayEquals(new byte[] {100, 100, 100, (byte) 255, (byte) 255, (byte) 255},
                ImageLoader.toRgb(ushort).rgb(), "16-bit gray is PIL mode I: clipped");
        RgbImage bmp = random(5, 4, 3);
        assertArrayEquals(bmp.rgb(), ImageLoader.toRgb(roundTrip(bmp.toBufferedImage(), "bmp")).rgb());
    }

    static BufferedImage roundTrip(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, bos));
        return ImageIO.read(new java.io.ByteArrayInputStream(bos.toByteArray()));
    }

    @Test
    void clearErrorsForBadFiles(@TempDir Path tmp) throws IOException {
        SiglipException missing = assertThrows(SiglipException.class, () -> ImageLoader.load(tmp.resolve("nope.png")));
        assertTrue(missing.getMessage().contains("not found") && missing.getMessage().contains("nope.png"));
        Path text = Files.writeString(tmp.resolve("text.png"), "hello, not an image");
        SiglipException notImage = assertThrows(SiglipException.class, () -> ImageLoader.load(text));
        assertTrue(notImage.getMessage().contains("not an image"), notImage.getMessage());
        byte[] png = readFixture("inputs/gradient_wide.png");
        Path cut = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        SiglipException corrupt = assertThrows(SiglipException.class, () -> ImageLoader.load(cut));
        assertTrue(corrupt.getMessage().contains("cut.png"), corrupt.getMessage());
        SiglipImageProcessor p = SiglipImageProcessor.load(Fixtures.dir());
        SiglipException inBatch = assertThrows(SiglipException.class,
                () -> p.preprocessFilesToArray(List.of(Fixtures.file("inputs/exact_size.png"), tmp.resolve("gone.jpg"))));
        assertTrue(inBatch.getMessage().contains("gone.jpg"), inBatch.getMessage());
    }

    static SiglipImageProcessorConfig parse(String json) {
        return SiglipImageProcessorConfig.fromJson(JsonParser.parseString(json).getAsJsonObject(), "test.json");
    }

    @Test
    void configParsing() {
        SiglipImageProcessorConfig fixture = SiglipImageProcessorConfig.load(Fixtures.dir());
        assertEquals(32, fixture.height());
        assertEquals(32, fixture.width());
        assertEquals(PillowResample.BICUBIC, fixture.resample());
        assertEquals(1 / 255.0, fixture.rescaleFactor(), 1e-15);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, fixture.imageMean());
        SiglipImageProcessorConfig c = parse("{\"size\": {\"height\": 10, \"width\": 20}, \"resample\": 2,"
                + " \"image_mean\": 0.25, \"some_future_key\": [1, 2], \"do_convert_rgb\": true}");
        assertEquals(10, c.height());
        assertEquals(20, c.width());
        assertEquals(PillowResample.BILINEAR, c.resample());
        assertArrayEquals(new double[] {0.25, 0.25, 0.25}, c.imageMean());
        assertEquals(Boolean.TRUE, c.doConvertRgb());
        assertEquals(224, parse("{}").height());
        assertEquals(SiglipImageProcessorConfig.defaults(), parse("{}"));
        assertEquals(fixture, SiglipImageProcessorConfig.load(Fixtures.file("preprocessor_config.json")));
        SiglipException intSize = assertThrows(SiglipException.class, () -> parse("{\"size\": 224}"));
        assertTrue(intSize.getMessage().contains("height"), intSize.getMessage());
        SiglipException edge = assertThrows(SiglipException.class, () -> parse("{\"size\": {\"shortest_edge\": 224}}"));
        assertTrue(edge.getMessage().contains("\"size\""), edge.getMessage());
        SiglipException nearest = assertThrows(SiglipException.class, () -> parse("{\"resample\": 0}"));
        assertTrue(nearest.getMessage().contains("NEAREST"), nearest.getMessage());
        assertThrows(SiglipException.class, () -> parse("{\"image_std\": [0.5, 0.5]}"));
        assertThrows(SiglipException.class, () -> parse("{\"do_resize\": \"yes\"}"));
    }

    @Test
    void noResizeNoNormalize() {
        JsonObject o = JsonParser.parseString("{\"do_resize\": false, \"do_normalize\": false}").getAsJsonObject();
        SiglipImageProcessor p = new SiglipImageProcessor(SiglipImageProcessorConfig.fromJson(o, "t"));
        RgbImage img = new RgbImage(1, 1, new byte[] {0, (byte) 255, 51});
        assertArrayEquals(new float[] {0f, 1f, 0.2f}, p.preprocess(img), 0f);
        assertThrows(SiglipException.class, () -> p.preprocessToArray(List.of(img, random(2, 1, 1))));
    }
}
