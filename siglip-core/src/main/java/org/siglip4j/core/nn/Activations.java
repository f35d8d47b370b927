package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import org.siglip4j.core.SiglipException;

/** The MLP activations of HF's {@code ACT2FN} that SigLIP configs name. */
public final class Activations {
    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    private Activations() {}

    /** {@code gelu_pytorch_tanh}: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    public static NDArray geluTanh(NDArray x) {
        if (!GradMode.isEnabled()) {
            return geluTanhInference(x);
        }
        // 0.5 (1 + tanh z) = sigmoid(2 z), so gelu(x) = x sigmoid(x (2a + 2ab x^2)) with
        // a = sqrt(2/pi), b = 0.044715. Out of place (autograd keeps the bracket and the sigmoid's
        // output: two tensors of the MLP's width, where the tanh form kept four), with scalars
        // that have native storage (Scalars) because autograd keeps them for the backward pass.
        double a = Math.sqrt(2 / Math.PI);
        NDArray bracket = x.mul(x).mul(Scalars.of(x, 2 * a * 0.044715)).add(Scalars.of(x, 2 * a));
        return Activation.sigmoid(bracket.mul(x)).mul(x);
    }

    /**
     * The same function without autograd: DJL has no fused tanh-GELU, and element-wise passes
     * are memory-bound over [B, P, 3072] (each out-of-place one allocates and writes a full
     * tensor), so here the same formula is computed in place: five passes, two temporaries.
     */
    private static NDArray geluTanhInference(NDArray x) {
        NDArray t = x.square();
        t.muli(2 * SQRT_2_OVER_PI * 0.044715f).addi(2 * SQRT_2_OVER_PI).muli(x);
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
