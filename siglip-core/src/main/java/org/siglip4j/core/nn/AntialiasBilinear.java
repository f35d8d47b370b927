package org.siglip4j.core.nn;

/**
 * The weights of {@code torch.nn.functional.interpolate(mode='bilinear', align_corners=False,
 * antialias=True)} as dense matrices (torch's CPU {@code _upsample_bilinear2d_aa}): for output
 * index i the centre is {@code (i + 0.5) * in/out}, the triangle filter is widened by
 * {@code in/out} when shrinking (support 1 otherwise), taps outside the input are dropped and the
 * weights renormalised. Resizing is linear, so a grid resize is a matrix product: differentiable
 * and independent of engine kernels. SigLIP 2 resizes its position table with it.
 */
public final class AntialiasBilinear {
    private AntialiasBilinear() {}

    /** Row-major [out, in] matrix M with resized = M x original along one axis. */
    public static double[][] matrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        double support = scale >= 1.0 ? scale : 1.0;
        double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
        for (int i = 0; i < out; i++) {
            double center = scale * (i + 0.5);
            // torch truncates toward zero (static_cast<int64_t>)
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xmax = Math.min((int) (center + support + 0.5), in);
            double total = 0;
            for (int j = xmin; j < xmax; j++) {
                double w = triangle((j - center + 0.5) * invscale);
                m[i][j] = w;
                total += w;
            }
            if (total != 0) {
                for (int j = xmin; j < xmax; j++) {
                    m[i][j] /= total;
                }
            }
        }
        return m;
    }

    /**
     * Row-major [outH*outW, inH*inW] matrix resizing a row-major grid in both axes (the Kronecker
     * product of the two axis matrices).
     */
    public static double[][] grid(int inH, int inW, int outH, int outW) {
        double[][] mh = matrix(inH, outH);
        double[][] mw = matrix(inW, outW);
        double[][] k = new double[outH * outW][inH * inW];
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                double[] row = k[oy * outW + ox];
                for (int iy = 0; iy < inH; iy++) {
                    double wy = mh[oy][iy];
                    if (wy == 0) {
                        continue;
                    }
                    for (int ix = 0; ix < inW; ix++) {
                        row[iy * inW + ix] = wy * mw[ox][ix];
                    }
                }
            }
        }
        return k;
    }

    private static double triangle(double x) {
        double a = Math.abs(x);
        return a < 1 ? 1 - a : 0;
    }
}
