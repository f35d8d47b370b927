package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head self-attention of SigLIP ({@code SiglipAttention}, eager path): q/k/v/out projections
 * with bias, scores scaled by head_dim^-0.5, softmax in float32, optional key padding mask.
 */
public final class SiglipAttention extends SiglipModule {
    private final TorchLinear qProj;
    private final TorchLinear kProj;
    private final TorchLinear vProj;
    private final TorchLinear outProj;
    private final int heads;
    private final int headDim;
    private final float scale;
    private final float dropout;

    /**
     * The most bytes of attention scores computed at once: under glibc's 32 MiB mmap threshold
     * (see {@link MallocTuning}), so the scores reuse memory that stays mapped instead of a fresh
     * mapping faulted in page by page in every layer. The system property
     * {@value #SCORES_PROPERTY} overrides it (bytes; 1 computes one head at a time).
     */
    static final long SCORES_BYTES = 24L << 20;
    /** The system property that overrides {@link #SCORES_BYTES}. */
    public static final String SCORES_PROPERTY = "siglip4j.attentionScoreBytes";

    /** Attention over {@code dim} features with {@code heads} heads. */
    public SiglipAttention(int dim, int heads, double dropout) {
        this.heads = heads;
        this.headDim = dim / heads;
        this.scale = (float) Math.pow(headDim, -0.5);
        this.dropout = (float) dropout;
        kProj = module("k_proj", new TorchLinear(dim, dim));
        vProj = module("v_proj", new TorchLinear(dim, dim));
        qProj = module("q_proj", new TorchLinear(dim, dim));
        outProj = module("out_proj", new TorchLinear(dim, dim));
    }

    /**
     * Self-attention.
     *
     * @param x [B, L, D]
     * @param maskBias additive mask [B, 1, 1, L] (0 keep, very negative drop) or null
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray maskBias, boolean training) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        NDArray qFlat = qProj.forward(ps, x, training);
        NDArray kFlat = kProj.forward(ps, x, training);
        NDArray q = split(qFlat, b, l);
        NDArray kT = kFlat.reshape(b, l, heads, headDim).transpose(0, 2, 3, 1);
        int group = headsPerGroup(b, l);
        NDArray context;
        if (group >= heads) {
            NDArray probs = probabilities(q.matMul(kT), maskBias, training);
            free(q, qFlat, kT, kFlat);
            NDArray vFlat = vProj.forward(ps, x, training);
            NDArray v = split(vFlat, b, l);
            context = probs.matMul(v);
            free(probs, v, vFlat);
        } else {
            NDArray vFlat = vProj.forward(ps, x, training);
            NDArray v = split(vFlat, b, l);
            NDList parts = new NDList();
            for (int h0 = 0; h0 < heads; h0 += group) {
                String r = ":, " + h0 + ":" + Math.min(heads, h0 + group);
                NDArray qg = q.get(r);
                NDArray kg = kT.get(r);
                NDArray vg = v.get(r);
                NDArray probs = probabilities(qg.matMul(kg), maskBias, training);
                parts.add(probs.matMul(vg));
                free(qg, kg, vg, probs);
            }
            free(q, qFlat, kT, kFlat, v, vFlat);
            context = NDArrays.concat(parts, 1);
            free(parts.toArray(new NDArray[0]));
        }
        NDArray heads4 = context.transpose(0, 2, 1, 3);
        NDArray merged = heads4.reshape(b, l, (long) heads * headDim);
        free(heads4, context);
        NDArray out = outProj.forward(ps, merged, training);
        free(merged);
        return out;
    }

    /**
     * Heads per group of the attention scores: all of them unless the [B, H, L, L] scores would
     * pass {@link #SCORES_BYTES}, as so400m's 729 tokens do (34 MB for one image). Grouped, an
     * so400m forward at batch 1 took 3939 ms instead of 4189 (alternating, medians of three), and
     * the model's chunks, no longer bounded by the scores, hold two so400m images instead of one
     * (batch 2: 7375 ms instead of 7722).
     */
    private int headsPerGroup(long b, long l) {
        long perHead = Float.BYTES * b * l * l;
        long budget = Long.getLong(SCORES_PROPERTY, SCORES_BYTES);
        return (int) Math.max(1, Math.min(heads, budget / Math.max(1, perHead)));
    }

    /** Softmax probabilities of raw scores q k^T (consumed): scaled, masked, in float32, dropped out in training. */
    private NDArray probabilities(NDArray scores, NDArray maskBias, boolean training) {
        if (GradMode.isEnabled()) {
            NDArray scaled = scores.mul(Scalars.of(scores, scale));
            free(scores);
            scores = scaled;
        } else {
            scores.muli(scale); // in place: one fewer [B, H, L, L] temporary per layer
        }
        if (maskBias != null) {
            NDArray masked = scores.add(maskBias);
            free(scores);
            scores = masked;
        }
        NDArray probs = scores.getDataType() == DataType.FLOAT32 ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
        free(scores);
        if (training && dropout > 0) {
            NDArray dropped = Dropout.dropout(probs, dropout, true).singletonOrThrow();
            free(probs);
            probs = dropped;
        }
        return probs;
    }

    private NDArray split(NDArray t, long b, long l) {
        return t.reshape(b, l, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** The additive attention bias of a [B, L] 0/1 mask, as HF's {@code _prepare_4d_attention_mask}. */
    public static NDArray maskBias(NDArray attentionMask) {
        long b = attentionMask.getShape().get(0);
        long l = attentionMask.getShape().get(1);
        NDArray inverted = attentionMask.toType(DataType.FLOAT32, false).neg().add(1f);
        return inverted.mul(-Float.MAX_VALUE).reshape(new Shape(b, 1, 1, l));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray mask = inputs.size() > 1 ? maskBias(inputs.get(1)) : null;
        return list(forward(ps, inputs.get(0), mask, training));
    }
}
