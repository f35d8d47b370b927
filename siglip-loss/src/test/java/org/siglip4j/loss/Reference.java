package org.siglip4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/** Independent double-precision loops for the losses (no DJL), and test data helpers. */
final class Reference {
    private Reference() {}

    /** Loss and gradients in double precision. */
    record Result(double loss, double[][] gx, double[][] gy, double gt, double gb) {}

    static double negLogSigmoid(double u) {
        return u > 0 ? Math.log1p(Math.exp(-u)) : -u + Math.log1p(Math.exp(u));
    }

    static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    static double[][] identity(int n) {
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            l[i][i] = 1;
        }
        return l;
    }

    static Result sigmoidLoss(double[][] x, double[][] y, double t, double b, double[][] labels, double maxScale) {
        int n = x.length;
        int m = y.length;
        int d = x[0].length;
        double[][] lab = labels == null ? identity(n) : labels;
        boolean clamped = t > Math.log(maxScale);
        double s = Math.exp(Math.min(t, Math.log(maxScale)));
        double loss = 0;
        double gt = 0;
        double gb = 0;
        double[][] gx = new double[n][d];
        double[][] gy = new double[m][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += x[i][k] * y[j][k];
                }
                double logit = s * dot + b;
                double z = lab[i][j] != 0 ? 1 : -1;
                loss += negLogSigmoid(z * logit) / n;
                // d/dlogit of -log sigmoid(z logit) = -z sigmoid(-z logit)
                double g = -z * sigmoid(-z * logit) / n;
                gb += g;
                gt += g * s * dot;
                for (int k = 0; k < d; k++) {
                    gx[i][k] += g * s * y[j][k];
                    gy[j][k] += g * s * x[i][k];
                }
            }
        }
        return new Result(loss, gx, gy, clamped ? 0 : gt, gb);
    }

    /** CLIP's symmetric cross-entropy with identity or soft (row/column-normalised) targets. */
    static double softmaxLoss(double[][] x, double[][] y, double t, double[][] labels) {
        int n = x.length;
        int m = y.length;
        double[][] lab = labels == null ? identity(n) : labels;
        double s = Math.exp(t);
        double[][] logit = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < x[0].length; k++) {
                    logit[i][j] += s * x[i][k] * y[j][k];
                }
            }
        }
        double perImage = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            double pos = 0;
            for (int j = 0; j < m; j++) {
                max = Math.max(max, logit[i][j]);
                pos += lab[i][j];
            }
            double lse = 0;
            for (int j = 0; j < m; j++) {
                lse += Math.exp(logit[i][j] - max);
            }
            lse = max + Math.log(lse);
            for (int j = 0; j < m; j++) {
                perImage -= lab[i][j] / pos * (logit[i][j] - lse);
            }
        }
        double perText = 0;
        for (int j = 0; j < m; j++) {
            double max = Double.NEGATIVE_INFINITY;
            double pos = 0;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, logit[i][j]);
                pos += lab[i][j];
            }
            double lse = 0;
            for (int i = 0; i < n; i++) {
                lse += Math.exp(logit[i][j] - max);
            }
            lse = max + Math.log(lse);
            for (int i = 0; i < n; i++) {
                perText -= lab[i][j] / pos * (logit[i][j] - lse);
            }
        }
        return (perImage / n + perText / m) / 2;
    }

    /** n random unit rows of dimension d. */
    static double[][] unitRows(Random r, int n, int d) {
        double[][] a = new double[n][d];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int k = 0; k < d; k++) {
                a[i][k] = r.nextGaussian();
                norm += a[i][k] * a[i][k];
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < d; k++) {
                a[i][k] /= norm;
            }
        }
        return a;
    }

    /** Rows as an NDArray of the given type. */
    static NDArray array(NDManager m, double[][] a, DataType type) {
        int n = a.length;
        int d = a[0].length;
        double[] flat = new double[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, flat, i * d, d);
        }
        NDArray r = m.create(flat, new Shape(n, d));
        return type == DataType.FLOAT64 ? r : r.toType(type, false);
    }

    static NDArray scalarArray(NDManager m, double v, DataType type) {
        NDArray r = m.create(new double[] {v}, new Shape(1));
        return type == DataType.FLOAT64 ? r : r.toType(type, false);
    }

    static double[] flat(double[][] a) {
        double[] f = new double[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, f, i * a[0].length, a[0].length);
        }
        return f;
    }

    static double[] values(NDArray a) {
        return a.toType(DataType.FLOAT64, true).toDoubleArray();
    }

    /** {@code |g - ref| <= relMax * max|ref| + rel * |ref|} elementwise. */
    static void assertGrad(double[] ref, double[] actual, double relMax, double rel, String what) {
        double max = 0;
        for (double v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        org.siglip4j.core.testing.Fixtures.assertClose(ref, actual, relMax * max, rel, what);
    }

    static void assertFinite(double[] a, String what) {
        for (double v : a) {
            if (!Double.isFinite(v)) {
                throw new AssertionError(what + " has a non-finite value: " + v);
            }
        }
    }
}
