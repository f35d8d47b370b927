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

    private Activations() {}

    /** {@code gelu_pytorch_tanh}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static NDArray geluTanh(NDArray x) {
        if (!GradMode.isEnabled()) {
            return geluTanhInference(x);
        }
        // Out of place (autograd keeps the bracket and the sigmoid's output: two tensors of the
        // MLP's width, where the tanh form kept four), with scalars that have native storage
        // (Scalars) because autograd keeps them for the backward pass.
        NDArray bracket = x.mul(x).mul(Scalars.of(x, C1)).add(Scalars.of(x, C0));
        return Activation.sigmoid(bracket.mul(x)).mul(x);
    }

    /**
     * The same function without autograd: DJL has no fused tanh-GELU, and element-wise passes
     * are memory-bound over [B, P, 3072] (each out-of-place one allocates and writes a full
     * tensor), so here the same formula is computed in place: five passes, two temporaries.
     */
    private static NDArray geluTanhInference(NDArray x) {
        NDArray t = x.square();
        t.muli((float) C1).addi((float) C0).muli(x);
        NDArray s = Activation.sigmoid(t);
        t.close();
        return s.muli(x);
    }

    /** Applies the named activation. */
    public static NDArray apply(String name, NDArray x) {
        return switch (name) {
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> geluTanh(x);
            case "gelu" -> Activation.gelu(x);
            case "relu" -> Activation.relu(x);
            case "quick_gelu" -> x.mul(Activation.sigmoid(x.mul(Scalars.of(x, 1.702))));
            default -> throw new SiglipException("unsupported hidden_act '" + name + "'");
        };
    }
}
