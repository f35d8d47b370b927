package org.siglip4j.eval;

import org.siglip4j.core.SiglipException;

/** Small dense-matrix helpers on row-major {@code float[][]} embeddings (double accumulation). */
public final class Embeddings {

    /** Largest accepted deviation of a row norm from 1 for rows that must be unit length. */
    public static final double UNIT_NORM_TOLERANCE = 1e-3;

    private Embeddings() {}

    /**
     * Checks that a matrix has {@code rows} finite rows of one width, each of unit L2 norm.
     *
     * @param m the matrix
     * @param rows the expected number of rows
     * @param what names the matrix in an error message
     * @return the row width
     */
    public static int requireUnitRows(float[][] m, int rows, String what) {
        if (m == null || m.length != rows) {
            throw new SiglipException(what + ": expected " + rows + " embedding rows, got "
                    + (m == null ? "null" : m.length));
        }
        int dim = -1;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == null || m[i].length == 0) {
                throw new SiglipException(what + ": row " + i + " is empty");
            }
            if (dim < 0) {
                dim = m[i].length;
            } else if (m[i].length != dim) {
                throw new SiglipException(what + ": row " + i + " has width " + m[i].length
                        + ", expected " + dim);
            }
            double n = norm(m[i]);
            if (!Double.isFinite(n) || Math.abs(n - 1.0) > UNIT_NORM_TOLERANCE) {
                throw new SiglipException(what + ": row " + i + " has L2 norm " + n
                        + ", expected 1 (the model must return normalised embeddings)");
            }
        }
        return dim;
    }

    /**
     * L2 norm in double precision.
     *
     * @param v the vector
     * @return its norm
     */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /**
     * Mean of unit rows, re-normalised to unit length (open_clip's per-class template ensemble).
     *
     * @param rows the rows to average, at least one
     * @param what names the result in an error message
     * @return the normalised mean
     */
    public static float[] normalisedMean(float[][] rows, String what) {
        int dim = rows[0].length;
        double[] acc = new double[dim];
        for (float[] r : rows) {
            for (int d = 0; d < dim; d++) {
                acc[d] += r[d];
            }
        }
        double n = 0;
        for (double a : acc) {
            n += a * a;
        }
        n = Math.sqrt(n);
        if (!(n > 1e-12)) {
            throw new SiglipException(what + ": the template embeddings average to a zero vector;"
                    + " use other templates");
        }
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (acc[d] / n);
        }
        return out;
    }

    /**
     * Similarity matrix {@code a · bᵀ}, accumulated in double.
     *
     * @param a rows of the left matrix
     * @param b rows of the right matrix, same width
     * @return {@code a.length x b.length} scores
     */
    public static float[][] similarity(float[][] a, float[][] b) {
        float[][] out = new float[a.length][b.length];
        for (int i = 0; i < a.length; i++) {
            float[] ai = a[i];
            for (int j = 0; j < b.length; j++) {
                float[] bj = b[j];
                if (bj.length != ai.length) {
                    throw new SiglipException("embedding widths differ: " + ai.length + " vs "
                            + bj.length + " (image and text towers must share one space)");
                }
                double s = 0;
                for (int d = 0; d < ai.length; d++) {
                    s += (double) ai[d] * bj[d];
                }
                out[i][j] = (float) s;
            }
        }
        return out;
    }

    /**
     * Transposes a rectangular matrix.
     *
     * @param m the matrix
     * @return its transpose
     */
    public static float[][] transpose(float[][] m) {
        if (m.length == 0) {
            return new float[0][0];
        }
        float[][] t = new float[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }
}
