package org.siglip4j.core.processing;

/**
 * The EXIF {@code Orientation} tag (0x0112) of a JPEG (APP1 {@code Exif}) or PNG ({@code eXIf})
 * file, and the transform that Pillow's {@code ImageOps.exif_transpose} applies for it.
 *
 * <p>Parsing is deliberately forgiving: a missing or malformed EXIF block means orientation 1
 * (as displayed), because a broken tag should not make an otherwise readable photo unusable.
 */
public final class ExifOrientation {
    /** The orientation tag id in IFD0. */
    private static final int TAG_ORIENTATION = 0x0112;

    private ExifOrientation() {}

    /**
     * Reads the orientation of an encoded JPEG or PNG file.
     *
     * @param file the whole encoded file
     * @return 1..8 as stored, or 1 when there is no (valid) tag or the format carries none
     */
    public static int read(byte[] file) {
        try {
            if (file.length > 4 && (file[0] & 0xFF) == 0xFF && (file[1] & 0xFF) == 0xD8) {
                return fromJpeg(file);
            }
            if (file.length > 8 && (file[0] & 0xFF) == 0x89 && file[1] == 'P' && file[2] == 'N' && file[3] == 'G') {
                return fromPng(file);
            }
        } catch (IndexOutOfBoundsException e) {
            // truncated or malformed metadata: treat as "no orientation", the decoder will judge the pixels
        }
        return 1;
    }

    private static int fromJpeg(byte[] b) {
        JpegHeader header = JpegHeader.read(b);
        return header.exifStart() < 0 ? 1 : fromTiff(b, header.exifStart(), header.exifEnd());
    }

    private static int fromPng(byte[] b) {
        int p = 8;
        while (p + 12 <= b.length) {
            long len = u32(b, p, false);
            if (len > b.length - p - 12) {
                return 1;
            }
            int data = p + 8;
            if (b[p + 4] == 'e' && b[p + 5] == 'X' && b[p + 6] == 'I' && b[p + 7] == 'f') {
                int start = data;
                if (len >= 6 && b[data] == 'E' && b[data + 1] == 'x' && b[data + 2] == 'i' && b[data + 3] == 'f') {
                    start += 6;
                }
                return fromTiff(b, start, data + (int) len);
            }
            if (b[p + 4] == 'I' && b[p + 5] == 'E' && b[p + 6] == 'N' && b[p + 7] == 'D') {
                return 1;
            }
            p = data + (int) len + 4;
        }
        return 1;
    }

    /** Finds the orientation entry in IFD0 of a TIFF structure occupying {@code b[start, end)}. */
    private static int fromTiff(byte[] b, int start, int end) {
        if (end - start < 8) {
            return 1;
        }
        boolean little;
        if (b[start] == 'I' && b[start + 1] == 'I') {
            little = true;
        } else if (b[start] == 'M' && b[start + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(b, start + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(b, start + 4, little);
        if (ifd < 8 || ifd > end - start - 2) {
            return 1;
        }
        int at = start + (int) ifd;
        int count = u16(b, at, little);
        at += 2;
        for (int i = 0; i < count && at + 12 <= end; i++, at += 12) {
            if (u16(b, at, little) == TAG_ORIENTATION) {
                int type = u16(b, at + 2, little);
                int value = type == 3 ? u16(b, at + 8, little) : type == 4 ? (int) u32(b, at + 8, little) : 1;
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        int b0 = b[p] & 0xFF;
        int b1 = b[p + 1] & 0xFF;
        return little ? b0 | b1 << 8 : b0 << 8 | b1;
    }

    private static long u32(byte[] b, int p, boolean little) {
        long hi = u16(b, little ? p + 2 : p, little);
        long lo = u16(b, little ? p : p + 2, little);
        return hi << 16 | lo;
    }

    /**
     * Applies an EXIF orientation like Pillow's {@code ImageOps.exif_transpose}: 2 mirror, 3 rotate
     * 180, 4 flip vertically, 5 transpose, 6 rotate 90 degrees clockwise, 7 transverse, 8 rotate 90
     * degrees counter-clockwise; 1 (or anything else) returns the image itself.
     *
     * @param image the image as stored
     * @param orientation the EXIF orientation value
     * @return the image as it should be displayed
     */
    public static RgbImage apply(RgbImage image, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return image;
        }
        int w = image.width();
        int h = image.height();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] src = image.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                System.arraycopy(src, (sy * w + sx) * 3, out, (y * ow + x) * 3, 3);
            }
        }
        return new RgbImage(ow, oh, out);
    }
}
