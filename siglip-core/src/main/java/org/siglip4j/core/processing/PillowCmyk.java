package org.siglip4j.core.processing;

import java.awt.image.Raster;

/**
 * Pillow's CMYK handling, so that a CMYK or YCCK JPEG (or a CMYK TIFF) gives the RGB values of
 * {@code Image.open(f).convert("RGB")}: no ICC colour management, just Pillow's
 * {@code cmyk2rgb} ({@code libImaging/Convert.c}): {@code R = 255 - K' - C * (255 - K) / 255}
 * in its rounded integer form, i.e. {@code nk = 255 - K; R = clip(nk - C * nk / 255)}.
 *
 * <p>JPEG specifics: Pillow always reads a four-component JPEG as Adobe-inverted CMYK
 * ({@code rawmode "CMYK;I"}, "assume adobe conventions"), and libjpeg turns YCCK (Adobe transform
 * 2) into CMYK first with the same fixed-point tables as its YCbCr-to-RGB step
 * ({@code jdcolor.c}). The JDK's JPEG reader hands out the stored components unconverted
 * ({@code readRaster}), so both steps are done here.
 */
final class PillowCmyk {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // libjpeg's build_ycc_rgb_table (jdcolor.c), identical in libjpeg 6b and libjpeg-turbo
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private PillowCmyk() {}

    private static int fix(double v) {
        return (int) (v * (1 << SCALEBITS) + 0.5);
    }

    /**
     * Converts the stored components of a four-component JPEG as Pillow does.
     *
     * @param raster the components as stored (the JDK reader's {@code readRaster})
     * @param ycck whether the components are YCCK (Adobe transform other than 0) rather than CMYK
     * @return RGB bytes, row-major
     */
    static byte[] jpegToRgb(Raster raster, boolean ycck) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int i = 4 * x;
                int c0 = px[i];
                int c1 = px[i + 1];
                int c2 = px[i + 2];
                if (ycck) {
                    // libjpeg's ycck_cmyk_convert gives 255 - clip(R) ...; Pillow's "CMYK;I" inverts it back
                    int yy = c0;
                    c0 = clip(yy + CR_R[c2]);
                    c1 = clip(yy + ((CB_G[c1] + CR_G[c2]) >> SCALEBITS));
                    c2 = clip(yy + CB_B[px[i + 1]]);
                } else {
                    c0 = 255 - c0;
                    c1 = 255 - c1;
                    c2 = 255 - c2;
                }
                // Pillow's K is 255 - stored, so its 255 - K is the stored value
                write(out, o, c0, c1, c2, px[i + 3]);
            }
        }
        return out;
    }

    /**
     * Converts CMYK samples stored as they are meant (TIFF, an AWT CMYK image) as Pillow does.
     *
     * @param raster four bands C, M, Y, K of 8 bits
     * @return RGB bytes, row-major
     */
    static byte[] toRgb(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[raster.getNumBands() * w];
        int n = raster.getNumBands();
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, px);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int i = n * x;
                write(out, o, px[i], px[i + 1], px[i + 2], 255 - px[i + 3]);
            }
        }
        return out;
    }

    /** Pillow's cmyk2rgb for one pixel, {@code nk = 255 - K}. */
    private static void write(byte[] out, int o, int c, int m, int y, int nk) {
        out[o] = (byte) clip(nk - mulDiv255(c, nk));
        out[o + 1] = (byte) clip(nk - mulDiv255(m, nk));
        out[o + 2] = (byte) clip(nk - mulDiv255(y, nk));
    }

    /** Pillow's MULDIV255: {@code a * b / 255} rounded, in integers. */
    private static int mulDiv255(int a, int b) {
        int tmp = a * b + 128;
        return ((tmp >> 8) + tmp) >> 8;
    }

    private static int clip(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
