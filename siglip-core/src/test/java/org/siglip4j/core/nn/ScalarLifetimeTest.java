package org.siglip4j.core.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Regression test for scalars kept by autograd: the gradient of the tanh-GELU must stay exact
 * even when the JVM collects garbage and reuses freed native memory between forward and backward.
 * With DJL's {@code x.mul(0.5f)} (a scalar over a Java buffer, closed after the op) this gave
 * garbage and intermittent NaN gradients during training.
 */
class ScalarLifetimeTest {

    @Test
    void geluGradientSurvivesGarbageCollectionBeforeBackward() {
        float[] xs = new float[64];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = -4f + 8f * i / (xs.length - 1);
        }
        for (int round = 0; round < 5; round++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.create(xs, new Shape(xs.length));
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = Activations.geluTanh(x).sum();
                    // Free whatever Java direct buffers are unreachable, then fill native memory
                    // with NaN bytes so that a freed scalar would be read back as NaN.
                    List<ByteBuffer> junk = new ArrayList<>();
                    for (int k = 0; k < 3; k++) {
                        System.gc();
                        for (int j = 0; j < 2000; j++) {
                            ByteBuffer b = ByteBuffer.allocateDirect(4);
                            b.putInt(0, 0x7fc00000);
                            junk.add(b);
                        }
                    }
                    gc.backward(y);
                    junk.clear();
                }
                float[] g = x.getGradient().toFloatArray();
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(ActivationsTest.dGelu(xs[i]), g[i], 1e-5, "round " + round + " x=" + xs[i]);
                }
            }
        }
    }

    @Test
    void float64ScalarsKeepDoublePrecision() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray like = m.zeros(new Shape(1), ai.djl.ndarray.types.DataType.FLOAT64);
            for (double v : new double[] {Math.log(100), Math.PI, 1e-300, -123456.789012345, 0.5}) {
                assertEquals(v, Scalars.of(like, v).toDoubleArray()[0], 0.0, "value " + v);
            }
            NDArray f = m.zeros(new Shape(1));
            assertEquals((float) Math.PI, Scalars.of(f, Math.PI).toFloatArray()[0]);
        }
    }
}
