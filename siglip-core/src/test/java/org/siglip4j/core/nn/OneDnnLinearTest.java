package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Gaussian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The oneDNN (1x1 convolution) linear and its gradients against x W^T + b in double. */
class OneDnnLinearTest {

    private static float[] values(int n, long seed) {
        return Gaussian.floats(n, seed, 1);
    }

    /**
     * [3, 250, 64] rows against a [48, 64] weight: 750 rows, so a batch the model's chunks would
     * send here, at a shape oneDNN computes correctly on the CPUs measured so far.
     */
    @Test
    void matchesTheLinearMapInDouble() {
        check(true, 64, 48, false);
    }

    @Test
    void worksWithoutBias() {
        check(false, 64, 48, false);
    }

    /**
     * 96 -> 40 features is a shape where libtorch 2.7.1's oneDNN 1x1 convolution returned wrong
     * values on an AMD EPYC (Zen 5): whatever this CPU does, {@link TorchLinear#linear} must give
     * x W^T + b, because the per-shape check sends a disagreeing shape to the plain path.
     */
    @Test
    void theLayersLinearIsRightEvenWhereTheKernelIsNot() {
        check(true, 96, 40, true);
        check(false, 96, 40, true);
    }

    /**
     * The per-shape check must let the path serve somewhere, or a bug in {@link OneDnnLinear#apply}'s
     * views (which the check would also reject) would silently turn the path off everywhere.
     */
    @Test
    void theCheckAcceptsTheViTShapes() {
        for (long[] s : new long[][] {{64, 48}, {768, 768}, {768, 3072}, {3072, 768}}) {
            org.junit.jupiter.api.Assertions.assertTrue(OneDnnLinear.agreesWithPlainLinear(s[0], s[1]),
                    "oneDNN disagrees with the plain linear at " + s[0] + " -> " + s[1]);
        }
    }

    private static void check(boolean withBias, int in, int out, boolean throughLayer) {
        int batch = 3, tokens = 250;
        float[] x = values(batch * tokens * in, 1);
        float[] w = values(out * in, 2);
        float[] b = values(out, 3);
        try (NDManager m = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray xa = m.create(x, new Shape(batch, tokens, in));
            NDArray wa = m.create(w, new Shape(out, in));
            NDArray ba = withBias ? m.create(b, new Shape(out)) : null;
            NDArray y = throughLayer ? TorchLinear.linear(xa, wa, ba, true) : OneDnnLinear.apply(xa, wa, ba);
            assertEquals(new Shape(batch, tokens, out), y.getShape());
            float[] got = y.toFloatArray();
            int rows = batch * tokens;
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double want = withBias ? b[o] : 0;
                    for (int i = 0; i < in; i++) {
                        want += (double) x[r * in + i] * w[o * in + i];
                    }
                    assertEquals(want, got[r * out + o], 1e-4 + 1e-5 * Math.abs(want), "row " + r + " out " + o);
                }
            }
        }
    }

    /**
     * Training goes through the same path: the gradients of sum(y * g) are g^T x for the weight,
     * g W for the input and the column sums of g for the bias, computed here in double.
     */
    @Test
    void gradientsMatchTheAnalyticOnesInDouble() {
        int rows = 750, in = 48, out = 24;
        float[] x = values(rows * in, 4);
        float[] w = values(out * in, 5);
        float[] b = values(out, 6);
        float[] g = values(rows * out, 7);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xa = m.create(x, new Shape(rows, in));
            NDArray wa = m.create(w, new Shape(out, in));
            NDArray ba = m.create(b, new Shape(out));
            for (NDArray p : new NDArray[] {xa, wa, ba}) {
                p.setRequiresGradient(true);
            }
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                gc.backward(OneDnnLinear.apply(xa, wa, ba).mul(m.create(g, new Shape(rows, out))).sum());
            }
            float[] dx = xa.getGradient().toFloatArray();
            float[] dw = wa.getGradient().toFloatArray();
            float[] db = ba.getGradient().toFloatArray();
            for (int o = 0; o < out; o++) {
                double wantB = 0;
                for (int r = 0; r < rows; r++) {
                    wantB += g[r * out + o];
                }
                assertEquals(wantB, db[o], 1e-3 + 1e-5 * Math.abs(wantB), "bias " + o);
                for (int i = 0; i < in; i++) {
                    double want = 0;
                    for (int r = 0; r < rows; r++) {
                        want += (double) g[r * out + o] * x[r * in + i];
                    }
                    assertEquals(want, dw[o * in + i], 1e-3 + 1e-5 * Math.abs(want), "weight " + o + "," + i);
                }
            }
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < in; i++) {
                    double want = 0;
                    for (int o = 0; o < out; o++) {
                        want += (double) g[r * out + o] * w[o * in + i];
                    }
                    assertEquals(want, dx[r * in + i], 1e-4 + 1e-5 * Math.abs(want), "input " + r + "," + i);
                }
            }
        }
    }

    @Test
    void servesOnlyLargeFloatCalls() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.ones(new Shape(8, 16));
            NDArray big = m.ones(new Shape(2, OneDnnLinear.MIN_ROWS / 2, 16));
            NDArray small = m.ones(new Shape(2, OneDnnLinear.MIN_ROWS / 2 - 1, 16));
            assertEquals(JniUtils.getNumThreads() > 1, OneDnnLinear.applies(big, w, true), "float32, enough rows, threads");
            assertFalse(OneDnnLinear.applies(small, w, true), "too few rows for the reorder to pay");
            assertFalse(OneDnnLinear.applies(big.toType(DataType.FLOAT64, false), w.toType(DataType.FLOAT64, false), true),
                    "float64");
            assertFalse(OneDnnLinear.applies(big, w, ComputePolicy.DEFAULT.oneDnnLinear()),
                    "off unless the policy asks for it");
            assertFalse(OneDnnLinear.applies(big, w, ComputePolicy.fromSystemProperties().oneDnnLinear()),
                    "off unless the property asks for it");
        }
    }
}
