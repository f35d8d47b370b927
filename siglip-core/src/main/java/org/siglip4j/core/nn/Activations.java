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
     * Elements per group of {@link #geluTanhInPlace}: 1 Mi floats (4 MiB) keeps a group's two
     * temporaries in cache between its five passes, and bounds them whatever the batch.
     */
    private static final long GROUP_ELEMENTS = 1 << 20;

    private Activations() {}

    /** {@code gelu_pytorch_tanh}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static NDArray geluTanh(NDArray x) {
        if (!GradMode.isEnabled()) {
            NDArray y = x.duplicate();
            return geluTanhInPlace(y);
        }
        // Out of place (autograd keeps the bracket and the sigmoid's output: two tensors of the
        // MLP's width, where the tanh form kept four), with scalars that have native storage
        // (Scalars) because autograd keeps them for the backward pass.
        NDArray bracket = x.mul(x).mul(Scalars.of(x, C1)).add(Scalars.of(x, C0));
        return Activation.sigmoid(bracket.mul(x)).mul(x);
    }

    /**
     * The same function without autograd, written over {@code x} itself: DJL has no fused tanh-GELU,
     * and out of place the formula needs two temporaries as large as {@code x} besides the result
     * ([B, P, 3072] at batch 8 is 19 MB each). Here {@code x} is taken as rows of its last axis in
     * groups of about {@link #GROUP_ELEMENTS}; each group is a view, its two temporaries are a
     * group's size, and the last multiply writes the result into the view.
     */
    private static NDArray geluTanhInPlace(NDArray x) {
        long width = x.getShape().tail();
        long rows = x.size() / width;
        long group = Math.max(1, GROUP_ELEMENTS / width);
        if (group >= rows) {
            geluTanhInto(x);
            return x;
        }
        try (NDArray flat = x.reshape(rows, width)) {
            for (long start = 0; start < rows; start += group) {
                try (NDArray view = flat.get("{}:{}", start, Math.min(rows, start + group))) {
                    geluTanhInto(view);
                }
            }
        }
        return x;
    }

    private static void geluTanhInto(NDArray x) {
        NDArray t = x.square();
        t.muli((float) C1).addi((float) C0).muli(x);
        NDArray s = Activation.sigmoid(t);
        t.close();
        x.muli(s);
        s.close();
    }

    /**
     * Applies the named activation, overwriting {@code x} where that saves memory (tanh-GELU
     * without autograd): the result may be {@code x} itself, so the caller must not close
     * {@code x} unless it is a different array.
     */
    public static NDArray applyInPlace(String name, NDArray x) {
        return isGeluTanh(name) && !GradMode.isEnabled() ? geluTanhInPlace(x) : apply(name, x);
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
