package org.siglip4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

/**
 * {@link ImageLoader} against Pillow itself: every file of the corpus built by
 * {@code scripts/reference/make_image_corpus.py} (JPEG with ICC profiles, CMYK and YCCK JPEG,
 * progressive JPEG, 16-bit, palette+tRNS and gray+alpha PNG, GIF, BMP, TIFF, truncated files)
 * decodes to the RGB bytes Pillow 12's {@code Image.open} + {@code exif_transpose} +
 * {@code convert("RGB")} gives (Debian's Pillow 9.4 gives the same bytes on this corpus; the
 * generator records any difference in {@code corpus.json}).
 */
class PillowDecodingTest {
    private static final Path DIR = resources();

    private static Path resources() {
        Path p = Paths.get("src/test/resources/images-pillow");
        return Files.isDirectory(p) ? p : Paths.get("siglip-core/src/test/resources/images-pillow");
    }

    private static JsonObject corpus() {
        try {
            return JsonParser.parseString(Files.readString(DIR.resolve("corpus.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Max and sum of absolute level differences. */
    private record Diff(int max, long sum, long n) {
        static Diff of(byte[] a, byte[] b) {
            assertEquals(a.length, b.length, "byte count");
            int max = 0;
            long sum = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xFF) - (b[i] & 0xFF));
                max = Math.max(max, d);
                sum += d;
            }
            return new Diff(max, sum, a.length);
        }

        Diff plus(Diff o) {
            return new Diff(Math.max(max, o.max), sum + o.sum, n + o.n);
        }

        @Override
        public String toString() {
            return String.format("max %d, mean %.4f", max, (double) sum / n);
        }
    }

    @Test
    void everyDecodableFileGivesPillowsLevels() {
        Map<String, Diff> byClass = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (JsonElement e : corpus().getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String cls = c.get("class").getAsString();
            String file = c.get("file").getAsString();
            if (!c.get("error").isJsonNull() || cls.startsWith("webp")) {
                continue; // truncated files and WebP have their own tests
            }
            RgbImage got = ImageLoader.load(DIR.resolve(file));
            assertEquals(c.get("width").getAsInt(), got.width(), file + " width");
            assertEquals(c.get("height").getAsInt(), got.height(), file + " height");
            Diff d = Diff.of(bytes(c.get("case").getAsString() + ".rgb"), got.rgb());
            byClass.merge(cls, d, Diff::plus);
            if (d.max() != 0) {
                failures.add(file + " (" + cls + "): " + d);
            }
            compared++;
        }
        byClass.forEach((cls, d) -> System.out.println("PillowDecodingTest " + cls + ": " + d));
        assertEquals(56, compared, "corpus files compared");
        assertTrue(failures.isEmpty(), "not Pillow's levels: " + failures);
    }

    @Test
    void iccProfilesAreIgnoredAsPillowIgnoresThem() {
        // The same pixels with and without a profile: Adobe RGB, Display P3 and ProPhoto decode to
        // the stored values (ImageIO alone converts them to sRGB, 1e-2 off).
        for (String name : List.of("jpeg-icc-adobergb", "jpeg-icc-displayp3", "jpeg-icc-prophoto")) {
            RgbImage got = ImageLoader.load(DIR.resolve(name + ".jpg"));
            assertEquals(0, Diff.of(bytes(name + ".rgb"), got.rgb()).max(), name);
        }
    }

    /** The corpus's truncated files that Pillow decodes with LOAD_TRUNCATED_IMAGES. */
    private static final List<String> TRUNCATED = List.of("truncated-jpeg.jpg", "truncated-jpeg-progressive.jpg",
            "truncated-jpeg-progressive-scan.jpg", "truncated-jpeg-ycck.jpg", "truncated-jpeg-cmyk-table.jpg", "truncated-png.png", "truncated-png-interlaced.png");

    @Test
    void truncatedFilesFailByDefaultAsInPillow() {
        for (String name : TRUNCATED) {
            SiglipException e = assertThrows(SiglipException.class, () -> ImageLoader.load(DIR.resolve(name)));
            assertTrue(e.getMessage().startsWith("image file is truncated: "), e.getMessage());
            assertTrue(e.getMessage().contains("withLoadTruncatedImages(true)"), e.getMessage());
        }
    }

    @Test
    void truncatedFilesDecodeWhenAcceptedLikeLoadTruncatedImages() {
        // cut in scan data (baseline, progressive, YCCK), in a Huffman table between progressive
        // scans (Pillow's image stays black, white for CMYK), in PNG image data (sequential, Adam7)
        ImageLoadOptions accept = ImageLoadOptions.DEFAULT.withLoadTruncatedImages(true);
        for (String file : TRUNCATED) {
            RgbImage got = ImageLoader.load(DIR.resolve(file), accept);
            Diff d = Diff.of(bytes(file.substring(0, file.lastIndexOf('.')) + ".truncated.rgb"), got.rgb());
            System.out.println("PillowDecodingTest " + file + " with LOAD_TRUNCATED_IMAGES: " + d);
            assertEquals(0, d.max(), file);
        }
    }

    @Test
    void fileCutInItsHeaderFailsEvenWhenAccepted() {
        // Pillow: "Truncated File Read" from Image.open, whatever LOAD_TRUNCATED_IMAGES says
        for (ImageLoadOptions o : List.of(ImageLoadOptions.DEFAULT, ImageLoadOptions.DEFAULT.withLoadTruncatedImages(true))) {
            SiglipException e = assertThrows(SiglipException.class,
                    () -> ImageLoader.load(DIR.resolve("truncated-jpeg-header.jpg"), o));
            assertTrue(e.getMessage().startsWith("image file is truncated before its image data: "), e.getMessage());
        }
    }

    @Test
    void fileMissingOnlyItsEndMarkerDecodesAsInPillow() {
        // Pillow decodes a baseline JPEG without EOI and a PNG without IEND completely.
        for (String name : List.of("jpeg-camera.jpg", "png-rgb.png")) {
            byte[] b = bytes(name);
            byte[] cut = java.util.Arrays.copyOf(b, b.length - (name.endsWith("png") ? 12 : 2));
            RgbImage got = ImageLoader.decode(cut, name);
            assertEquals(0, Diff.of(bytes(name.substring(0, name.indexOf('.')) + ".rgb"), got.rgb()).max(), name);
        }
    }

    @Test
    void webpIsRefusedWithAClearMessage() {
        SiglipException e = assertThrows(SiglipException.class,
                () -> ImageLoader.load(DIR.resolve("webp-lossy.webp")));
        assertTrue(e.getMessage().startsWith("not an image (no ImageIO reader recognises the format)"), e.getMessage());
    }

    /** A PNG declaring a {@code side x side} 16-bit RGBA image whose data is one row of zeros. */
    static byte[] sixteenBitPngBomb(int side) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(side).putInt(side);
        ihdr.put((byte) 16).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(9);
        deflater.setInput(new byte[1 + side * 8]);
        deflater.finish();
        byte[] z = new byte[side * 8 + 1024];
        chunk(out, "IDAT", java.util.Arrays.copyOf(z, deflater.deflate(z)));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(java.io.ByteArrayOutputStream out, String type, byte[] data) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        crc.update(t);
        crc.update(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void sixteenBitBombIsRefusedBeforeTheDecoderAllocates() {
        byte[] bomb = sixteenBitPngBomb(4000); // 128 MB of 16-bit RGBA raster + 48 MB of RGB
        assertTrue(bomb.length < 2000, "bomb size " + bomb.length);
        ImageLoadOptions limited = ImageLoadOptions.DEFAULT.withMaxDecodeBytes(64L << 20);
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        SiglipException e = assertThrows(SiglipException.class, () -> ImageLoader.decode(bomb, "bomb.png", limited));
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(e.getMessage().startsWith("image bomb.png (4000x4000, 64 bits per pixel) needs 167 MiB to decode,"
                + " more than the 64 MiB allowed by maxDecodeBytes"), e.getMessage());
        assertTrue(allocated < 16L << 20, "allocated before refusing: " + allocated);
    }

    /** Decodes one file in a child JVM and prints the outcome (see the 2 GB heap test). */
    public static final class DecodeMain {
        public static void main(String[] args) throws IOException {
            try {
                RgbImage image = ImageLoader.decode(Files.readAllBytes(Path.of(args[0])), args[0]);
                System.out.println("decoded " + image.width() + "x" + image.height());
            } catch (SiglipException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    @Test
    void sixteenBitBombDoesNotExhaustATwoGigabyteHeap() throws Exception {
        // 13377^2 pixels is within Pillow's bomb limit; as 16-bit RGBA it needs 1.4 GB of raster
        // plus 0.5 GB of RGB, which a 2 GB heap cannot hold next to anything else.
        Path file = Files.createTempFile("bomb", ".png");
        try {
            Files.write(file, sixteenBitPngBomb(13377));
            Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx2g", "-cp", System.getProperty("java.class.path"), DecodeMain.class.getName(),
                    file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.startsWith("refused: image " + file + " (13377x13377, 64 bits per pixel) needs 1877 MiB"
                    + " to decode, more than the "), out);
            assertTrue(out.contains("MiB of heap available (-Xmx)"), out);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
