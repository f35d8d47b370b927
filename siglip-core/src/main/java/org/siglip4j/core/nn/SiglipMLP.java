package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/** {@code SiglipMLP}: fc1, activation ({@code gelu_pytorch_tanh}), fc2. */
public final class SiglipMLP extends SiglipModule {
    private final TorchLinear fc1;
    private final TorchLinear fc2;
    private final String act;

    /** An MLP {@code dim -> intermediate -> dim}. */
    public SiglipMLP(int dim, int intermediate, String act) {
        this.act = act;
        // HF _init_weights: xavier_uniform weights, normal(std 1e-6) biases
        fc1 = module("fc1", new TorchLinear(dim, intermediate, true,
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6),
                new NormalInitializer(1e-6f)));
        fc2 = module("fc2", new TorchLinear(intermediate, dim, true,
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6),
                new NormalInitializer(1e-6f)));
    }

    /** Applies the MLP to the last axis. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = fc1.forward(ps, x, training);
        NDArray a = Activations.applyInPlace(act, h);
        if (a != h) {
            free(h);
        }
        NDArray out = fc2.forward(ps, a, training);
        free(a);
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }
}
