package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** {@code SiglipEncoderLayer}, pre-norm: h += attn(ln1(h)); h += mlp(ln2(h)). */
public final class SiglipEncoderLayer extends SiglipModule {
    private final SiglipAttention selfAttn;
    private final TorchLayerNorm layerNorm1;
    private final SiglipMLP mlp;
    private final TorchLayerNorm layerNorm2;

    /** One transformer layer. */
    public SiglipEncoderLayer(int dim, int intermediate, int heads, String act, double eps, double dropout) {
        selfAttn = module("self_attn", new SiglipAttention(dim, heads, dropout));
        layerNorm1 = module("layer_norm1", new TorchLayerNorm(dim, eps));
        mlp = module("mlp", new SiglipMLP(dim, intermediate, act));
        layerNorm2 = module("layer_norm2", new TorchLayerNorm(dim, eps));
    }

    /** Applies the layer; {@code maskBias} as in {@link SiglipAttention#forward}. */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray maskBias, boolean training) {
        NDArray normed = layerNorm1.forward(ps, x, training);
        NDArray attn = selfAttn.forward(ps, normed, maskBias, training);
        NDArray h = x.add(attn);
        free(normed, attn);
        normed = layerNorm2.forward(ps, h, training);
        NDArray mlpOut = mlp.forward(ps, normed, training);
        free(normed);
        if (!GradMode.isEnabled()) {
            h.addi(mlpOut); // in place: h is not kept for a backward pass
            free(mlpOut);
            return h;
        }
        NDArray out = h.add(mlpOut);
        free(h, mlpOut);
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray mask = inputs.size() > 1 ? SiglipAttention.maskBias(inputs.get(1)) : null;
        return list(forward(ps, inputs.get(0), mask, training));
    }
}
