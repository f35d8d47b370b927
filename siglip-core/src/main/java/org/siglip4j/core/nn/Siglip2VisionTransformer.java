package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2VisionConfig;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * The NaFlex vision tower of SigLIP 2 (HF's {@code Siglip2VisionModel} body): {@code embeddings}
 * ({@link Siglip2VisionEmbeddings}), {@code encoder} with the padding patches masked as keys,
 * {@code post_layernorm}, and the MAP {@code head} attending only to real patches.
 *
 * <p>Inputs: pixel_values [B, P, C*p*p], pixel_attention_mask [B, P] (1 = patch, 0 = padding) and
 * spatial_shapes [B, 2] (rows, columns).
 */
public final class Siglip2VisionTransformer extends SiglipModule {
    private final Siglip2VisionEmbeddings embeddings;
    private final SiglipEncoder encoder;
    private final TorchLayerNorm postLayernorm;
    private final SiglipMultiheadAttentionPoolingHead head;
    private final Siglip2VisionConfig config;

    /** The tower of a NaFlex vision config. */
    public Siglip2VisionTransformer(Siglip2VisionConfig c) {
        this.config = c;
        SiglipVisionConfig v = c.asSiglipVisionConfig();
        embeddings = module("embeddings", new Siglip2VisionEmbeddings(c));
        encoder = module("encoder", new SiglipEncoder(c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(),
                c.numAttentionHeads(), c.hiddenAct(), c.layerNormEps(), c.attentionDropout()));
        postLayernorm = module("post_layernorm", new TorchLayerNorm(c.hiddenSize(), c.layerNormEps()));
        head = module("head", new SiglipMultiheadAttentionPoolingHead(v));
    }

    /**
     * Runs the tower.
     *
     * @param pixels [B, P, C*p*p]
     * @param pixelAttentionMask [B, P], 1 for patches and 0 for padding
     * @param spatialShapes (rows, columns) of each image's patch grid
     */
    public BaseModelOutput forward(ParameterStore ps, NDArray pixels, NDArray pixelAttentionMask,
            long[][] spatialShapes, boolean training) {
        if (pixelAttentionMask == null || !pixelAttentionMask.getShape().equals(pixels.getShape().slice(0, 2))) {
            throw new SiglipException("pixel_attention_mask must be [batch, patches] = " + pixels.getShape().slice(0, 2)
                    + ", got " + (pixelAttentionMask == null ? "none" : pixelAttentionMask.getShape()));
        }
        NDArray h = embeddings.forward(ps, pixels, spatialShapes, training);
        NDArray maskBias = SiglipAttention.maskBias(pixelAttentionMask);
        h = encoder.forward(ps, h, maskBias, training);
        NDArray last = postLayernorm.forward(ps, h, training);
        NDArray pooled = head.forward(ps, last, maskBias, training);
        return new BaseModelOutput(last, pooled);
    }

    /** The config. */
    public Siglip2VisionConfig config() {
        return config;
    }

    /** spatial_shapes [B, 2] as rows of (rows, columns). */
    public static long[][] shapes(NDArray spatialShapes) {
        if (spatialShapes.getShape().dimension() != 2 || spatialShapes.getShape().get(1) != 2) {
            throw new SiglipException("spatial_shapes must be [batch, 2], got " + spatialShapes.getShape());
        }
        long[] flat = spatialShapes.toType(DataType.INT64, false).toLongArray();
        long[][] out = new long[flat.length / 2][];
        for (int i = 0; i < out.length; i++) {
            out[i] = new long[] {flat[2 * i], flat[2 * i + 1]};
        }
        return out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        BaseModelOutput o = forward(ps, inputs.get(0), inputs.get(1), shapes(inputs.get(2)), training);
        return list(o.lastHiddenState(), o.poolerOutput());
    }
}
