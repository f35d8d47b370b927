package org.siglip4j.core.nn;

/**
 * The weights of {@code torch.nn.functional.interpolate(mode='bicubic', align_corners=False)} as
 * a dense matrix: Keys cubic convolution with a = -0.75, source index {@code (dst + 0.5) * in/out
 * - 0.5} (not clamped), taps clamped to the border. Interpolation is linear, so resizing a grid is
 * a matrix product, which keeps it differentiable and independent of engine kernels.
 */
public final class BicubicInterpolation {
    private static final double A = -0.75;

    private BicubicInterpolation() {}

    /** Row-major [out, in] matrix M with resized = M x original along one axis. */
    public static double[][] matrix(int in, int out) {
        double[][] m = new double[out][in];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = (i + 0.5) * scale - 0.5;
            int x0 = (int) Math.floor(src);
            double t = src - x0;
            double[] w = {
                cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)
            };
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(Math.max(x0 - 1 + k, 0), in - 1);
                m[i][idx] += w[k];
            }
        }
        return m;
    }

    /**
     * Row-major [outH*outW, inH*inW] matrix resizing a row-major grid in both axes.
     *
     * @return the Kronecker product of the two axis matrices, as floats
     */
    public static float[] grid(int inH, int inW, int outH, int outW) {
        double[][] mh = matrix(inH, outH);
        double[][] mw = matrix(inW, outW);
        float[] k = new float[outH * outW * inH * inW];
        int cols = inH * inW;
        for (int oy = 0; oy < outH; oy++) {
            for (int ox = 0; ox < outW; ox++) {
                int row = (oy * outW + ox) * cols;
                for (int iy = 0; iy < inH; iy++) {
                    double wy = mh[oy][iy];
                    if (wy == 0) {
                        continue;
                    }
                    for (int ix = 0; ix < inW; ix++) {
                        k[row + iy * inW + ix] = (float) (wy * mw[ox][ix]);
                    }
                }
            }
        }
        return k;
    }

    private static double cubic1(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double cubic2(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
