package org.siglip4j.core.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Gaussian;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The tanh-GELU against its definition in double: on the in-place path that inference takes, and
 * under autograd (value and gradient) on the path that training takes.
 */
class ActivationsTest {

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    private static float[] values(int n, long seed) {
        return Gaussian.floats(n, seed, 3); // both tails: saturated sigmoid and near-zero
    }

    private static void assertGelu(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            double want = gelu(x[i]);
            assertEquals(want, y[i], 2e-6 + 2e-6 * Math.abs(want), "element " + i + " x=" + x[i]);
        }
    }

    /**
     * [3, 197, 3072] is 1.8 M elements: more than one group of rows, and the last group is partial,
     * so every element must be written through a view of the right rows exactly once.
     */
    @Test
    void inPlaceGeluOverwritesEveryGroupOfALargeInput() {
        checkGelu(new Shape(3, 197, 3072), true);
    }

    @Test
    void outOfPlaceGeluLeavesItsInputAlone() {
        checkGelu(new Shape(2, 700, 1000), false);
    }

    private static void checkGelu(Shape shape, boolean inPlace) {
        float[] x = values((int) shape.size(), shape.get(0));
        try (NDManager m = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray a = m.create(x, shape);
            NDArray y = inPlace ? Activations.applyInPlace("gelu_pytorch_tanh", a) : Activations.apply("gelu_pytorch_tanh", a);
            assertEquals(shape, y.getShape());
            assertGelu(x, y.toFloatArray());
            if (inPlace) {
                assertSame(a, y, "inference writes over its input");
            } else {
                assertArrayEquals(x, a.toFloatArray(), "input unchanged");
            }
        }
    }

    /** d/dx of 0.5 x (1 + tanh(k (x + a x^3))), in double. */
    static double dGelu(double x) {
        double k = Math.sqrt(2 / Math.PI);
        double a = 0.044715;
        double t = Math.tanh(k * (x + a * x * x * x));
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * a * x * x);
    }

    /**
     * Under autograd the value and its derivative are computed in groups of rows too, so the
     * input is again larger than one group with a partial last group: every element's value and
     * gradient must match the definition, and the input must keep its values.
     */
    @Test
    void recordedGeluHasTheDefinitionsValueAndGradientOverEveryGroup() {
        Shape shape = new Shape(3, 197, 3072);
        float[] x = values((int) shape.size(), 7);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(x, shape);
            a.setRequiresGradient(true);
            float[] y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = Activations.apply("gelu_pytorch_tanh", a);
                assertEquals(shape, out.getShape());
                y = out.toFloatArray();
                gc.backward(out.sum());
            }
            assertGelu(x, y);
            float[] g = a.getGradient().toFloatArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(dGelu(x[i]), g[i], 1e-5, "gradient element " + i + " x=" + x[i]);
            }
            assertArrayEquals(x, a.toFloatArray(), "input unchanged");
        }
    }

    @Test
    void unknownActivationIsRejectedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.ones(new Shape(2));
            Exception e = assertThrows(RuntimeException.class, () -> Activations.applyInPlace("swish", a));
            assertEquals(true, e.getMessage().contains("swish"), e.getMessage());
        }
    }
}
