package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.siglip4j.core.SiglipException;

/** The MLP activations of HF's {@code ACT2FN} that SigLIP configs name. */
public final class Activations {
    /**
     * gelu_pytorch_tanh written as x sigmoid(x (C0 + C1 x^2)), using 0.5 (1 + tanh z) = sigmoid(2 z):
     * C0 = 2 sqrt(2/pi), C1 = 2 sqrt(2/pi) 0.044715.
     */
    private static final double C0 = 2 * Math.sqrt(2 / Math.PI);
    private static final double C1 = C0 * 0.044715;

    /**
     * Elements per group of {@link #geluTanhInPlace}: 1 Mi floats (4 MiB) keeps a group's
     * temporaries in cache between its passes, and bounds them whatever the batch.
     */
    private static final long GROUP_ELEMENTS = 1 << 20;

    private Activations() {}

    /** {@code gelu_pytorch_tanh}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static NDArray geluTanh(NDArray x) {
        if (!GradMode.isEnabled()) {
            return geluTanhInPlace(x.duplicate(), null);
        }
        // Recorded op by op, autograd kept the bracket and the sigmoid's output besides x: two
        // more [B, L, intermediate] tensors per layer than torch's fused gelu, which keeps x
        // alone (docs/performance.md, "Training memory: what the plain step keeps"). So the
        // value and its derivative are computed without a graph and joined as
        // value + (x - stop(x)) * slope: exactly the value forward (x - stop(x) is zero), slope
        // times the incoming gradient backward, and slope is all autograd keeps (x is then free
        // as soon as its last user lets it go).
        NDArray value;
        NDArray slope;
        try (GradMode off = GradMode.disabled()) {
            value = x.duplicate();
            slope = geluTanhInPlace(value, x.duplicate());
        }
        NDArray stopped = x.stopGradient();
        NDArray out = x.sub(stopped).muli(slope).addi(value);
        stopped.close();
        slope.close();
        value.close();
        return out;
    }

    /**
     * The function over {@code x} itself, without autograd: DJL has no fused tanh-GELU, and out
     * of place the formula needs two temporaries as large as {@code x} besides the result
     * ([B, P, 3072] at batch 8 is 19 MB each). Here {@code x} is taken as rows of its last axis in
     * groups of about {@link #GROUP_ELEMENTS}; each group is a view, its temporaries are a
     * group's size, and the last multiply writes the result into the view. When {@code slope}
     * is given (a copy of {@code x}, same shape), the derivative is written over it the same way.
     *
     * @return {@code slope} when given, else {@code x}
     */
    private static NDArray geluTanhInPlace(NDArray x, NDArray slope) {
        long width = x.getShape().tail();
        long rows = x.size() / width;
        long group = Math.max(1, GROUP_ELEMENTS / width);
        if (group >= rows) {
            geluTanhInto(x, slope);
        } else {
            try (NDArray flat = x.reshape(rows, width);
                    NDArray slopes = slope == null ? null : slope.reshape(rows, width)) {
                for (long start = 0; start < rows; start += group) {
                    String r = start + ":" + Math.min(rows, start + group);
                    try (NDArray view = flat.get(r); NDArray slopeView = slopes == null ? null : slopes.get(r)) {
                        geluTanhInto(view, slopeView);
                    }
                }
            }
        }
        return slope == null ? x : slope;
    }

    /** gelu over {@code x} in place; {@code slope} (x's values, or null) becomes d gelu / dx. */
    private static void geluTanhInto(NDArray x, NDArray slope) {
        NDArray t = x.square();
        t.muli((float) C1).addi((float) C0).muli(x);
        NDArray s = Activation.sigmoid(t);
        t.close();
        if (slope != null) {
            // d/dx x s(x (C0 + C1 x^2)) = s + x s (1 - s) (C0 + 3 C1 x^2)
            NDArray u = slope.square();
            u.muli((float) (3 * C1)).addi((float) C0).muli(s);
            NDArray oneMinusS = s.mul(-1f).addi(1f);
            slope.muli(u).muli(oneMinusS).addi(s);
            u.close();
            oneMinusS.close();
        }
        x.muli(s);
        s.close();
    }

    /**
     * Applies the named activation, overwriting {@code x} where that saves memory (tanh-GELU
     * without autograd): the result may be {@code x} itself, so the caller must not close
     * {@code x} unless it is a different array.
     */
    public static NDArray applyInPlace(String name, NDArray x) {
        return isGeluTanh(name) && !GradMode.isEnabled() ? geluTanhInPlace(x, null) : apply(name, x);
    }

    private static boolean isGeluTanh(String name) {
        return switch (name) {
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> true;
            default -> false;
        };
    }

    /** Applies the named activation. */
    public static NDArray apply(String name, NDArray x) {
        if (isGeluTanh(name)) {
            return geluTanh(x);
        }
        return switch (name) {
            case "gelu" -> Activation.gelu(x);
            case "relu" -> Activation.relu(x);
            case "quick_gelu" -> x.mul(Activation.sigmoid(x.mul(Scalars.of(x, 1.702))));
            default -> throw new SiglipException("unsupported hidden_act '" + name + "'");
        };
    }
}
