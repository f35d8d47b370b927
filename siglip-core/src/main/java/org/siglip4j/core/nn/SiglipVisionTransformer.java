package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * {@code SiglipVisionTransformer}: {@code embeddings}, {@code encoder}, {@code post_layernorm},
 * and the MAP {@code head} when {@code vision_use_head}.
 */
public final class SiglipVisionTransformer extends SiglipModule {
    private final SiglipVisionEmbeddings embeddings;
    private final SiglipEncoder encoder;
    private final TorchLayerNorm postLayernorm;
    private final SiglipMultiheadAttentionPoolingHead head;
    private final SiglipVisionConfig config;

    /** The tower of a vision config. */
    public SiglipVisionTransformer(SiglipVisionConfig c) {
        this.config = c;
        embeddings = module("embeddings", new SiglipVisionEmbeddings(c));
        encoder = module("encoder", new SiglipEncoder(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(),
                c.numAttentionHeads(), c.hiddenAct(), c.layerNormEps(), c.attentionDropout()));
        postLayernorm = module("post_layernorm", new TorchLayerNorm(c.hiddenSize(), c.layerNormEps()));
        head = c.visionUseHead() ? module("head", new SiglipMultiheadAttentionPoolingHead(c)) : null;
    }

    /**
     * Runs the tower.
     *
     * @param pixels [B, C, H, W]
     * @param interpolatePosEncoding allow other image sizes by resizing the position grid
     * @param withHead compute the MAP pooled output (skipped by the classifier)
     */
    public BaseModelOutput forward(ParameterStore ps, NDArray pixels, boolean interpolatePosEncoding,
            boolean withHead, boolean training) {
        NDArray h = embeddings.forward(ps, pixels, interpolatePosEncoding, training);
        h = encoder.forward(ps, h, null, training);
        NDArray last = postLayernorm.forward(ps, h, training);
        NDArray pooled = withHead && head != null ? head.forward(ps, last, training) : null;
        return new BaseModelOutput(last, pooled);
    }

    /**
     * The tower up to the pooled output as stages for {@link CheckpointedStages}: the embeddings,
     * each encoder layer, then the post layer norm with the head. Applied in order they give
     * {@code forward(ps, pixels, false, true, training).poolerOutput()}.
     */
    public List<UnaryOperator<NDArray>> stages(ParameterStore ps, boolean training) {
        if (head == null) {
            throw new SiglipException("this vision tower has no pooling head (vision_use_head = false); "
                    + "gradient checkpointing stages end at the pooled output");
        }
        List<UnaryOperator<NDArray>> stages = new ArrayList<>();
        stages.add(px -> embeddings.forward(ps, px, false, training));
        stages.addAll(encoder.stages(ps, null, training));
        stages.add(h -> head.forward(ps, postLayernorm.forward(ps, h, training), training));
        return stages;
    }

    /** The config. */
    public SiglipVisionConfig config() {
        return config;
    }

    /** Whether the MAP head exists. */
    public boolean hasHead() {
        return head != null;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        boolean interp = p != null && Boolean.TRUE.equals(p.get("interpolate_pos_encoding"));
        BaseModelOutput o = forward(ps, inputs.get(0), interp, true, training);
        return o.poolerOutput() == null ? list(o.lastHiddenState()) : list(o.lastHiddenState(), o.poolerOutput());
    }
}
