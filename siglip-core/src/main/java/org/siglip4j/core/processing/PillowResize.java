package org.siglip4j.core.processing;

import org.siglip4j.core.SiglipException;

/**
 * A re-implementation of Pillow's {@code Image.resize((w, h), filter)} for 8-bit RGB images that
 * is bit-exact with Pillow (checked against {@code resized_uint8} of the fixtures, made with
 * Pillow 9.4): the filter support is widened by the scale factor when downscaling (antialiasing),
 * weights are normalised in double precision and then rounded to 22-bit fixed point, and the
 * separable passes run horizontally first, the intermediate image being rounded and clamped to
 * uint8 like Pillow's. Only the source rows the vertical pass needs are resampled horizontally.
 */
public final class PillowResize {
    /** Pillow's {@code PRECISION_BITS}: 32 - 8 bits of result - 2 bits of headroom. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowResize() {}

    /** Fixed-point weights of one pass: for output i, taps start at bounds[2i] and number bounds[2i+1]. */
    private record Coefficients(int ksize, int[] bounds, int[] weights) {}

    /**
     * Resizes like Pillow; a same-size request returns an unchanged copy (as PIL does).
     *
     * @param image source pixels
     * @param width target width
     * @param height target height
     * @param filter the resampling filter
     * @return the resized image
     */
    public static RgbImage resize(RgbImage image, int width, int height, PillowResample filter) {
        if (width <= 0 || height <= 0) {
            throw new SiglipException("resize target must be positive, got " + width + "x" + height);
        }
        int inW = image.width();
        int inH = image.height();
        if (width == inW && height == inH) {
            return new RgbImage(width, height, image.rgb().clone());
        }
        Coefficients vert = coefficients(inH, height, filter);
        byte[] src = image.rgb();
        int rows = inH;
        int rowOffset = 0;
        if (width != inW) {
            // Pillow resamples only the rows the vertical pass reads, [first, last)
            int first = vert.bounds[0];
            int last = vert.bounds[2 * height - 2] + vert.bounds[2 * height - 1];
            if (height != inH) {
                rowOffset = first;
                rows = last - first;
            }
            src = horizontal(src, inW, rowOffset, rows, width, coefficients(inW, width, filter));
        }
        if (height != inH) {
            src = vertical(src, width, rowOffset, height, vert);
        }
        return new RgbImage(width, height, src);
    }

    private static Coefficients coefficients(int inSize, int outSize, PillowResample filter) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filter.support() * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        if ((long) outSize * ksize > Integer.MAX_VALUE - 8) {
            throw new SiglipException("resize to " + outSize + " pixels from " + inSize + " is too large");
        }
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            // C casts truncate toward zero, as Java's (int) does
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.filter((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double v = ww != 0.0 ? k[x] / ww : k[x];
                weights[xx * ksize + x] = v < 0
                        ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, weights);
    }

    private static byte clip8(int v) {
        int s = v >> PRECISION_BITS;
        return (byte) (s < 0 ? 0 : Math.min(s, 255));
    }

    /** Horizontal pass over rows [rowOffset, rowOffset + rows) of an inW-wide image. */
    private static byte[] horizontal(byte[] src, int inW, int rowOffset, int rows, int outW, Coefficients c) {
        byte[] out = new byte[rows * outW * 3];
        int[] b = c.bounds;
        int[] kk = c.weights;
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + rowOffset) * inW * 3;
            int o = y * outW * 3;
            for (int xx = 0; xx < outW; xx++, o += 3) {
                int xmin = b[2 * xx];
                int xmax = b[2 * xx + 1];
                int k0 = xx * c.ksize;
                int s0 = half;
                int s1 = half;
                int s2 = half;
                for (int x = 0, p = rowBase + xmin * 3; x < xmax; x++, p += 3) {
                    int w = kk[k0 + x];
                    s0 += (src[p] & 0xFF) * w;
                    s1 += (src[p + 1] & 0xFF) * w;
                    s2 += (src[p + 2] & 0xFF) * w;
                }
                out[o] = clip8(s0);
                out[o + 1] = clip8(s1);
                out[o + 2] = clip8(s2);
            }
        }
        return out;
    }

    /** Vertical pass; {@code src} row 0 is source row {@code rowOffset}. */
    private static byte[] vertical(byte[] src, int w, int rowOffset, int outH, Coefficients c) {
        byte[] out = new byte[outH * w * 3];
        int[] b = c.bounds;
        int[] kk = c.weights;
        int half = 1 << (PRECISION_BITS - 1);
        int stride = w * 3;
        int[] acc = new int[stride];
        for (int yy = 0; yy < outH; yy++) {
            int ymin = b[2 * yy] - rowOffset;
            int ymax = b[2 * yy + 1];
            int k0 = yy * c.ksize;
            java.util.Arrays.fill(acc, half);
            // row-wise accumulation: same integer sums as Pillow's per-pixel loop, cache-friendly
            for (int y = 0; y < ymax; y++) {
                int weight = kk[k0 + y];
                for (int i = 0, p = (ymin + y) * stride; i < stride; i++, p++) {
                    acc[i] += (src[p] & 0xFF) * weight;
                }
            }
            for (int i = 0, o = yy * stride; i < stride; i++, o++) {
                out[o] = clip8(acc[i]);
            }
        }
        return out;
    }
}
