package org.siglip4j.core.processing;

/**
 * Whether a PNG's compressed image data could hold the image its header declares. Deflate
 * expands at most about 1032 to 1 (a 258-byte match in two bits), so a 129-byte file declaring
 * 255 x 65,536 16-bit RGBA pixels (134 MB of raster) cannot be complete: it is truncated, and is
 * refused as such before the decoder allocates the raster. Without this a few hundred bytes cost
 * the full raster before the decoder finds the data missing.
 */
final class PngDataBound {
    /** Deflate's largest expansion of compressed bytes, rounded up. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private PngDataBound() {}

    /**
     * Whether the IDAT chunks present in {@code png} are too short for the declared image.
     *
     * @param png the whole file
     * @return true when the image data is certainly incomplete; false when it may be complete or
     *     the structure is not one this check understands (the decoder then reports it)
     */
    static boolean certainlyTruncated(byte[] png) {
        if (png.length < 33 || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
            return false;
        }
        long width = u32(png, 16);
        long height = u32(png, 20);
        int depth = png[24] & 0xFF;
        int channels = switch (png[25] & 0xFF) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 0;
        };
        if (channels == 0 || depth == 0) {
            return false;
        }
        // one filter byte per row; Adam7 needs more than this, never less
        long raw = height * (1 + (width * depth * channels + 7) / 8);
        long idat = 0;
        int at = 8;
        while (at + 8 <= png.length) {
            long length = u32(png, at);
            boolean isIdat = png[at + 4] == 'I' && png[at + 5] == 'D' && png[at + 6] == 'A' && png[at + 7] == 'T';
            boolean isIend = png[at + 4] == 'I' && png[at + 5] == 'E' && png[at + 6] == 'N' && png[at + 7] == 'D';
            long present = Math.min(length, png.length - (at + 8L));
            if (isIdat) {
                idat += present;
            }
            if (isIend || length > png.length) {
                break;
            }
            at += 12 + (int) length;
        }
        return idat * MAX_DEFLATE_RATIO + 1024 < raw;
    }

    private static long u32(byte[] b, int at) {
        return ((b[at] & 0xFFL) << 24) | ((b[at + 1] & 0xFFL) << 16) | ((b[at + 2] & 0xFFL) << 8) | (b[at + 3] & 0xFFL);
    }
}
