package org.siglip4j.core.processing;

/**
 * What the marker segments before a JPEG's first scan say about decoding it: whether it is
 * progressive, its number of components, its Adobe APP14 colour transform and where its EXIF
 * block lies. Read forgivingly: anything malformed ends the walk with what was found so far.
 *
 * @param progressive whether the frame is progressive (SOF2, SOF6, SOF10, SOF14)
 * @param components the frame's component count, 0 if no frame header was found
 * @param adobeTransform the APP14 "Adobe" transform byte, -1 without that marker
 * @param exifStart offset of the TIFF structure inside the APP1 "Exif" segment, -1 if none
 * @param exifEnd the end (exclusive) of that segment
 */
record JpegHeader(boolean progressive, int components, int adobeTransform, int exifStart, int exifEnd) {

    /** @return whether libjpeg decodes this frame's four components as YCCK rather than CMYK */
    boolean ycck() {
        // jdapimin.c: Adobe transform 0 means CMYK, 2 YCCK, other values are assumed YCCK
        return components == 4 && adobeTransform > 0;
    }

    /**
     * Walks the marker segments of an encoded JPEG up to its first scan.
     *
     * @param b the whole file
     * @return what was found
     */
    static JpegHeader read(byte[] b) {
        boolean progressive = false;
        int components = 0;
        int adobe = -1;
        int exifStart = -1;
        int exifEnd = -1;
        int p = 2;
        while (p + 4 <= b.length && (b[p] & 0xFF) == 0xFF) {
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) { // EOI / start of scan: no more header
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { // standalone markers
                p += 2;
                continue;
            }
            int len = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            if (len < 2 || p + 2 + len > b.length) {
                break;
            }
            int payload = p + 4;
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && len >= 8) {
                progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
                components = b[payload + 5] & 0xFF;
            } else if (marker == 0xEE && len >= 14 && startsWith(b, payload, "Adobe")) {
                adobe = b[payload + 11] & 0xFF;
            } else if (marker == 0xE1 && len >= 8 && exifStart < 0 && startsWith(b, payload, "Exif")
                    && b[payload + 4] == 0 && b[payload + 5] == 0) {
                exifStart = payload + 6;
                exifEnd = p + 2 + len;
            }
            p += 2 + len;
        }
        return new JpegHeader(progressive, components, adobe, exifStart, exifEnd);
    }

    private static boolean startsWith(byte[] b, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (b[at + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
