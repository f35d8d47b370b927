package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * {@code torch.nn.LayerNorm(d, eps)} over the LAST axis only, with {@code weight} and {@code bias}
 * (DJL's LayerNorm block normalises all non-batch axes with eps 1e-5, which SigLIP does not).
 */
public final class TorchLayerNorm extends SiglipModule {
    private final Parameter weight;
    private final Parameter bias;
    private final long dim;
    private final float eps;

    /** A LayerNorm over {@code dim} features. */
    public TorchLayerNorm(long dim, double eps) {
        this.dim = dim;
        this.eps = (float) eps;
        weight = parameter("weight", new Shape(dim), Parameter.Type.GAMMA, Initializer.ONES);
        bias = parameter("bias", new Shape(dim), Parameter.Type.BETA, Initializer.ZEROS);
    }

    /** Normalises the last axis. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return LayerNorm.layerNorm(x, new Shape(dim), value(ps, weight, x, training), value(ps, bias, x, training), eps)
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }
}
