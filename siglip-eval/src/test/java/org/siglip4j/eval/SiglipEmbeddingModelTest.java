package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.PillowResample;
import org.siglip4j.core.processing.PillowResize;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** The SigLIP binding on the HF-made tiny fixture: embeddings, ids, and the centre-crop mode. */
class SiglipEmbeddingModelTest {

    static final String[] INPUTS = {"gradient_wide.png", "shapes_tall.png", "noise_small.png",
        "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg",
        "exact_size.png"};

    static SiglipEmbeddingModel resize;
    static SiglipEmbeddingModel crop;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void load() {
        resize = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE);
        crop = SiglipEmbeddingModel.load(Fixtures.dir(), ImagePreprocessing.RESIZE_CENTER_CROP);
    }

    @AfterAll
    static void close() {
        resize.close();
        crop.close();
    }

    static List<Path> inputs() {
        List<Path> out = new ArrayList<>();
        for (String n : INPUTS) {
            out.add(Fixtures.file("inputs/" + n));
        }
        return out;
    }

    static float[] row(Npy.Array a, int i) {
        int d = (int) a.shape()[1];
        float[] all = a.floats();
        float[] r = new float[d];
        System.arraycopy(all, i * d, r, 0, d);
        return r;
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void imageEmbeddingsMatchHuggingFace() {
        Npy.Array expected = Fixtures.expected("image_embeds");
        float[][] got = resize.embedImages(inputs());
        assertEquals(8, got.length);
        // the JPEG too: ImageIO's decode differs from libjpeg-turbo by a few levels on some
        // pixels (fixture README), which moves this embedding by about 1e-7 only
        for (int i = 0; i < got.length; i++) {
            Fixtures.assertClose(toDouble(row(expected, i)), got[i], 1e-5, 0, "image_embeds[" + i
                    + "] " + INPUTS[i]);
        }
    }

    @Test
    void batchingDoesNotChangeImageEmbeddings() {
        List<Path> in = inputs();
        float[][] all = resize.embedImages(in);
        for (int i = 0; i < in.size(); i++) {
            float[][] one = resize.embedImages(List.of(in.get(i)));
            Fixtures.assertClose(toDouble(all[i]), one[0], 1e-6, 0, "image " + i + " alone");
        }
        assertEquals(0, resize.embedImages(List.of()).length);
    }

    @Test
    void textEmbeddingsMatchHuggingFace() throws IOException {
        JsonArray arr = JsonParser.parseString(Files.readString(Fixtures.file("inputs/texts.json"),
                StandardCharsets.UTF_8)).getAsJsonArray();
        List<String> texts = new ArrayList<>();
        arr.forEach(e -> texts.add(e.getAsString()));
        float[][] got = resize.embedTexts(texts);
        Npy.Array expected = Fixtures.expected("text_embeds");
        assertEquals(19, got.length);
        for (int i = 0; i < got.length; i++) {
            Fixtures.assertClose(toDouble(row(expected, i)), got[i], 1e-5, 0, "text_embeds[" + i
                    + "]");
        }
    }

    @Test
    void idsNameTheFolderAndChangeWithTheWeights() throws IOException {
        assertEquals("32/resize", resize.preprocessingId());
        assertEquals("32/resize-crop0.875", crop.preprocessingId());
        assertEquals(resize.id(), crop.id(), "same weights, same id; the mode is the other key");
        assertTrue(resize.id().matches("siglip-tiny@[0-9a-f]{16}"), resize.id());
        assertEquals(resize.id(), SiglipEmbeddingModel.modelId(Fixtures.dir()), "stable");

        Path copy = tmp.resolve("siglip-tiny");
        Files.createDirectories(copy);
        try (Stream<Path> s = Files.list(Fixtures.dir())) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path weights = copy.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_000_000L));
        String a = SiglipEmbeddingModel.modelId(copy);
        assertEquals(a, SiglipEmbeddingModel.modelId(copy));
        Files.setLastModifiedTime(weights, FileTime.fromMillis(1_000_000_001_000L));
        String b = SiglipEmbeddingModel.modelId(copy);
        assertNotEquals(a, b, "a re-written checkpoint must not reuse cached embeddings");
        String config = Files.readString(copy.resolve("config.json"));
        Files.writeString(copy.resolve("config.json"), config + "\n");
        assertNotEquals(b, SiglipEmbeddingModel.modelId(copy), "config.json content counts");

        // a Hugging Face cache snapshot folder is named by repo and commit
        Path snap = tmp.resolve("hub/models--google--siglip-x/snapshots/0123456789abcdef0123");
        Files.createDirectories(snap);
        Files.copy(copy.resolve("config.json"), snap.resolve("config.json"));
        assertTrue(SiglipEmbeddingModel.modelId(snap)
                .matches("google/siglip-x@0123456789ab@[0-9a-f]{16}"),
                SiglipEmbeddingModel.modelId(snap));

        // a processor size the model cannot take is refused with both numbers
        String pp = Files.readString(copy.resolve("preprocessor_config.json"));
        Files.writeString(copy.resolve("preprocessor_config.json"),
                pp.replace("\"height\": 32", "\"height\": 48").replace("\"width\": 32",
                        "\"width\": 48"));
        SiglipException e = assertThrows(SiglipException.class,
                () -> SiglipEmbeddingModel.load(copy, ImagePreprocessing.RESIZE));
        assertTrue(e.getMessage().contains("48x48") && e.getMessage().contains("32"),
                e.getMessage());
        assertThrows(SiglipException.class,
                () -> SiglipEmbeddingModel.load(tmp.resolve("missing"), ImagePreprocessing.RESIZE));
    }

    @Test
    void cropGeometryFollowsBigVision() {
        // 32 / 0.875 = 36.57 -> 36; ratio 36/160 = 0.225; 240 * 0.225 = 54; (54-32)/2 = 11
        assertEquals(new BigVisionResizeCrop.Geometry(54, 36, 11, 2, 32),
                BigVisionResizeCrop.geometry(240, 160, 36, 32));
        assertEquals(new BigVisionResizeCrop.Geometry(36, 54, 2, 11, 32),
                BigVisionResizeCrop.geometry(160, 240, 36, 32));
        // 256 for 224; a 500x375 ImageNet photo -> 341x256 (341.33), crop at (58, 16)
        assertEquals(256, ImagePreprocessing.RESIZE_CENTER_CROP.resizeShorterSideTo(224));
        assertEquals(new BigVisionResizeCrop.Geometry(341, 256, 58, 16, 224),
                BigVisionResizeCrop.geometry(500, 375, 256, 224));
        // round half to even like tf.round: ratio 36/8 = 4.5; 9 * 4.5 = 40.5 -> 40, 11 * 4.5 = 49.5 -> 50
        assertEquals(new BigVisionResizeCrop.Geometry(36, 40, 2, 4, 32),
                BigVisionResizeCrop.geometry(8, 9, 36, 32));
        assertEquals(new BigVisionResizeCrop.Geometry(50, 36, 9, 2, 32),
                BigVisionResizeCrop.geometry(11, 8, 36, 32));
        assertThrows(SiglipException.class, () -> BigVisionResizeCrop.geometry(10, 10, 20, 21));
    }

    /** R = x and G = y: after resize + crop, each pixel must show its source coordinate. */
    static RgbImage ramp(int w, int h) {
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                rgb[i] = (byte) x;
                rgb[i + 1] = (byte) y;
                rgb[i + 2] = (byte) 128;
            }
        }
        return new RgbImage(w, h, rgb);
    }

    @Test
    void cropModeKeepsTheCentreOfARamp() {
        for (int[] wh : new int[][] {{240, 160}, {160, 240}}) {
            int w = wh[0];
            int h = wh[1];
            RgbImage out = crop.prepare(ramp(w, h));
            assertEquals(32, out.width());
            assertEquals(32, out.height());
            // independent of the code under test: resized size and offsets by hand (see above)
            int rw = w > h ? 54 : 36;
            int rh = w > h ? 36 : 54;
            int ox = (rw - 32) / 2;
            int oy = (rh - 32) / 2;
            double worst = 0;
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    // Pillow maps output pixel centre c to source coordinate (c + 0.5) * in/out - 0.5
                    double sx = (x + ox + 0.5) * w / rw - 0.5;
                    double sy = (y + oy + 0.5) * h / rh - 0.5;
                    worst = Math.max(worst, Math.abs(out.get(x, y, 0) - sx));
                    worst = Math.max(worst, Math.abs(out.get(x, y, 1) - sy));
                    assertEquals(128, out.get(x, y, 2));
                }
            }
            // a crop one pixel off would be off by in/out = 4.4 levels everywhere
            assertTrue(worst <= 1.0, w + "x" + h + ": ramp off by " + worst);
        }
    }

    @Test
    void cropModeEmbedsTheCropOfTheImage() throws IOException {
        RgbImage src = ramp(240, 160);
        for (int i = 0; i < src.rgb().length; i += 7) {
            src.rgb()[i] = (byte) (src.rgb()[i] ^ 0x5a); // texture, so the crop matters
        }
        Path full = tmp.resolve("crop/full.png");
        Files.createDirectories(full.getParent());
        ImageIO.write(src.toBufferedImage(), "png", full.toFile());
        // the expected crop, by hand: Pillow bicubic to 54x36, rows 2..33, columns 11..42
        RgbImage resized = PillowResize.resize(src, 54, 36, PillowResample.BICUBIC);
        BufferedImage cropped = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                cropped.setRGB(x, y, (resized.get(x + 11, y + 2, 0) << 16)
                        | (resized.get(x + 11, y + 2, 1) << 8) | resized.get(x + 11, y + 2, 2));
            }
        }
        Path pre = tmp.resolve("crop/precropped.png");
        ImageIO.write(cropped, "png", pre.toFile());
        float[] viaCrop = crop.embedImages(List.of(full))[0];
        // a 32x32 image in resize mode is fed as is (Pillow's same-size resize is a copy)
        float[] viaResize = resize.embedImages(List.of(pre))[0];
        assertArrayEquals(viaResize, viaCrop, 1e-6f);
        float[] squashed = resize.embedImages(List.of(full))[0];
        double diff = 0;
        for (int d = 0; d < squashed.length; d++) {
            diff = Math.max(diff, Math.abs(squashed[d] - viaCrop[d]));
        }
        assertTrue(diff > 1e-3, "crop and squash should see different pixels");
    }
}
