package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.siglip4j.core.config.SiglipTextConfig;

/**
 * {@code SiglipTextTransformer}: {@code embeddings}, {@code encoder} (no causal mask),
 * {@code final_layer_norm}; pooled = the LAST position (an {@code </s>} for SigLIP's padded
 * inputs, whatever the mask), then {@code head} Linear(hidden, projection_size).
 */
public final class SiglipTextTransformer extends SiglipModule {
    private final SiglipTextEmbeddings embeddings;
    private final SiglipEncoder encoder;
    private final TorchLayerNorm finalLayerNorm;
    private final TorchLinear head;
    private final SiglipTextConfig config;

    /** The tower of a text config. */
    public SiglipTextTransformer(SiglipTextConfig c) {
        this.config = c;
        embeddings = module("embeddings", new SiglipTextEmbeddings(c));
        encoder = module("encoder", new SiglipEncoder(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(),
                c.numAttentionHeads(), c.hiddenAct(), c.layerNormEps(), c.attentionDropout()));
        finalLayerNorm = module("final_layer_norm", new TorchLayerNorm(c.hiddenSize(), c.layerNormEps()));
        head = module("head", new TorchLinear(c.hiddenSize(), c.projectionSize(), true,
                new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 1),
                Initializer.ZEROS));
    }

    /**
     * Runs the tower.
     *
     * @param ids [B, L] token ids
     * @param attentionMask [B, L] 1 = attend, 0 = padding, or null (SigLIP's default: no mask)
     */
    public BaseModelOutput forward(ParameterStore ps, NDArray ids, NDArray attentionMask, boolean training) {
        NDArray h = embeddings.forward(ps, ids, training);
        NDArray bias = attentionMask == null ? null : SiglipAttention.maskBias(attentionMask);
        h = encoder.forward(ps, h, bias, training);
        NDArray last = finalLayerNorm.forward(ps, h, training);
        NDArray pooled = head.forward(ps, last.get(":, -1, :"), training);
        return new BaseModelOutput(last, pooled);
    }

    /**
     * The tower up to the pooled output (no mask) as stages for {@link CheckpointedStages}: the
     * embeddings, each encoder layer, then the final layer norm, the last position and the head.
     * Applied in order they give {@code forward(ps, ids, null, training).poolerOutput()}.
     */
    public List<UnaryOperator<NDArray>> stages(ParameterStore ps, boolean training) {
        List<UnaryOperator<NDArray>> stages = new ArrayList<>();
        stages.add(ids -> embeddings.forward(ps, ids, training));
        stages.addAll(encoder.stages(ps, null, training));
        stages.add(h -> head.forward(ps, finalLayerNorm.forward(ps, h, training).get(":, -1, :"), training));
        return stages;
    }

    /** The config. */
    public SiglipTextConfig config() {
        return config;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        BaseModelOutput o = forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training);
        return list(o.lastHiddenState(), o.poolerOutput());
    }
}
