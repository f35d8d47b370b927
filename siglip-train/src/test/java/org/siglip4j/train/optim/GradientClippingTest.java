package org.siglip4j.train.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class GradientClippingTest {
    private static Parameter param(NDManager m, String name, float[] init) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(m.create(init));
        p.getArray().setRequiresGradient(true);
        return p;
    }

    @Test
    void scalesByGlobalNormOnlyAboveTheLimit() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter a = param(m, "a", new float[] {1, 2});
            Parameter b = param(m, "b", new float[] {3});
            float[] ca = {3, 4};
            float[] cb = {12};
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = a.getArray().mul(m.create(ca)).sum().add(b.getArray().mul(m.create(cb)).sum());
                gc.backward(loss);
            }
            // Gradients (3, 4) and (12): global norm sqrt(9 + 16 + 144) = 13.
            assertEquals(13.0, GradientClipping.clipByGlobalNorm(List.of(a, b), 100), 1e-6);
            assertArrayEquals(ca, a.getArray().getGradient().toFloatArray(), 0f);
            assertEquals(13.0, GradientClipping.clipByGlobalNorm(List.of(a, b), 6.5), 1e-6);
            double s = 6.5 / (13 + 1e-6);
            assertArrayEquals(new float[] {(float) (3 * s), (float) (4 * s)}, a.getArray().getGradient().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {(float) (12 * s)}, b.getArray().getGradient().toFloatArray(), 1e-6f);
        }
    }
}
