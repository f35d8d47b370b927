package org.siglip4j.core.processing;

import java.io.ByteArrayOutputStream;

/**
 * Closes the chunk structure of a PNG file that ends early, so that the JDK's reader, which reads
 * every chunk header before decoding and refuses a chunk running past the end of the file,
 * decodes the image data that is there. Pillow streams the data instead; whether the image data
 * is complete is then decided by the decoder (zlib running out of input), exactly as in Pillow:
 * a file that lacks only its {@code IEND} decodes normally, one cut inside the image data is
 * truncated.
 */
final class TruncatedPng {
    private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    private TruncatedPng() {}

    /**
     * Closes a PNG file that ends before its {@code IEND} chunk: the chunk cut by the end keeps the
     * data present (its CRC, which the JDK's reader does not check, is zero) and {@code IEND} is
     * appended.
     *
     * @param b an encoded PNG file
     * @return the closed file, or {@code b} itself when its chunks reach {@code IEND}
     */
    static byte[] close(byte[] b) {
        int p = 8;
        while (p + 8 <= b.length) {
            long len = (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            if (b[p + 4] == 'I' && b[p + 5] == 'E' && b[p + 6] == 'N' && b[p + 7] == 'D') {
                return b;
            }
            if (len > b.length - p - 12L) {
                int data = (int) Math.min(len, b.length - p - 8L);
                ByteArrayOutputStream out = new ByteArrayOutputStream(p + data + 24);
                out.write(b, 0, p);
                out.write(new byte[] {(byte) (data >>> 24), (byte) (data >>> 16), (byte) (data >>> 8), (byte) data},
                        0, 4);
                out.write(b, p + 4, 4 + data);
                out.write(new byte[4], 0, 4);
                out.write(IEND, 0, IEND.length);
                return out.toByteArray();
            }
            p += 12 + (int) len;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(p + IEND.length);
        out.write(b, 0, Math.min(p, b.length));
        out.write(IEND, 0, IEND.length);
        return out.toByteArray();
    }
}
