package org.siglip4j.core.processing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PNG data bound: a file too short for its declared raster is truncated, a complete one never is. */
class PngDataBoundTest {
    private static final Path CORPUS = Path.of("src/test/resources/images-pillow");

    /** The fuzz run's case: ~130 bytes declaring 255 x 65,536 16-bit RGBA pixels (a 134 MB raster). */
    @Test
    void aTinyFileDeclaringAHugeRasterIsTruncatedBeforeDecoding() throws IOException {
        byte[] bomb = png(255, 65_536, 16, 6, deflate(new byte[64]));
        assertTrue(bomb.length < 200, "the case is small: " + bomb.length);
        assertTrue(PngDataBound.certainlyTruncated(bomb));
        SiglipException e = assertThrows(SiglipException.class, () -> ImageLoader.decode(bomb, "bomb.png"));
        assertTrue(e.getMessage().startsWith("image file is truncated: bomb.png"), e.getMessage());
    }

    /** Every complete PNG of the Pillow corpus passes, so does the most compressible image there is. */
    @Test
    void completeFilesAreNeverFlagged() throws IOException {
        List<Path> pngs;
        try (var files = Files.list(CORPUS)) {
            pngs = files.filter(f -> f.toString().endsWith(".png") && !f.getFileName().toString().contains("trunc"))
                    .toList();
        }
        assertFalse(pngs.isEmpty());
        for (Path f : pngs) {
            assertFalse(PngDataBound.certainlyTruncated(Files.readAllBytes(f)), f.toString());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(2000, 2000, BufferedImage.TYPE_BYTE_BINARY), "png", out);
        byte[] zeros = out.toByteArray();
        assertFalse(PngDataBound.certainlyTruncated(zeros), "all-zero 1-bit 2000 x 2000, " + zeros.length + " bytes");
        ImageLoader.decode(zeros, "zeros.png");
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        byte[] buf = new byte[raw.length + 64];
        int n = d.deflate(buf);
        d.end();
        return java.util.Arrays.copyOf(buf, n);
    }

    private static byte[] png(int w, int h, int depth, int colorType, byte[] idat) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) depth).put((byte) colorType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
