package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * {@code SiglipMultiheadAttentionPoolingHead} (MAP): a learned {@code probe} [1, 1, D] attends over
 * all tokens ({@code attention}), then {@code x + mlp(layernorm(x))}; token 0 is the pooled output.
 */
public final class SiglipMultiheadAttentionPoolingHead extends SiglipModule {
    private final Parameter probe;
    private final TorchMultiheadAttention attention;
    private final TorchLayerNorm layernorm;
    private final SiglipMLP mlp;

    /** The head of a vision config. */
    public SiglipMultiheadAttentionPoolingHead(SiglipVisionConfig c) {
        probe = parameter("probe", new Shape(1, 1, c.hiddenSize()), Parameter.Type.WEIGHT,
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6));
        attention = module("attention", new TorchMultiheadAttention(c.hiddenSize(), c.numAttentionHeads()));
        layernorm = module("layernorm", new TorchLayerNorm(c.hiddenSize(), c.layerNormEps()));
        mlp = module("mlp", new SiglipMLP(c.hiddenSize(), c.intermediateSize(), c.hiddenAct()));
    }

    /** [B, P, D] tokens to [B, D]. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return forward(ps, x, null, training);
    }

    /**
     * [B, P, D] tokens to [B, D], attending only to the tokens the mask keeps (SigLIP 2 NaFlex).
     *
     * @param maskBias additive [B, 1, 1, P] key mask or null
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray maskBias, boolean training) {
        NDArray q = value(ps, probe, x, training);
        NDArray h = attention.forward(ps, q, x, maskBias, training);
        h = h.add(mlp.forward(ps, layernorm.forward(ps, h, training), training));
        return h.squeeze(1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }
}
