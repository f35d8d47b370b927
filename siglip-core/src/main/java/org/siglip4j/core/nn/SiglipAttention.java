package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Multi-head self-attention of SigLIP ({@code SiglipAttention}): q/k/v/out projections with bias
 * around an {@link AttentionKernel} (scores scaled by head_dim^-0.5, softmax in float32, optional
 * key padding mask), the kernel chosen by the {@link ComputePolicy} the model runs with.
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
     * The system property that overrides the attention score budget; read only by {@link
     * ComputePolicy#fromSystemProperties()}.
     */
    public static final String SCORES_PROPERTY = ComputePolicy.SCORES_PROPERTY;

    /** The kernel of the policy this layer runs with; replaced whole by {@link #configure}. */
    private volatile AttentionKernel kernel = ComputePolicy.DEFAULT.attentionKernel();

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
     * Self-attention: the projections, the policy's {@link AttentionKernel}, the output projection.
     *
     * @param x [B, L, D]
     * @param maskBias additive mask [B, 1, 1, L] (0 keep, very negative drop) or null
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray maskBias, boolean training) {
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        // Each projection's own handle is closed once its head view exists: the view keeps the
        // storage alive exactly as long as the kernel needs it, not until the caller's scope closes.
        NDArray qFlat = qProj.forward(ps, x, training);
        NDArray q = split(qFlat, b, l); // [B, H, L, d]
        free(qFlat);
        NDArray kFlat = kProj.forward(ps, x, training);
        NDArray kT = kFlat.reshape(b, l, heads, headDim).transpose(0, 2, 3, 1); // [B, H, d, L]
        free(kFlat);
        NDArray context = kernel.attend(q, kT, () -> {
            NDArray vFlat = vProj.forward(ps, x, training);
            NDArray v = split(vFlat, b, l);
            free(vFlat);
            return v;
        }, maskBias, scale, dropout, training);
        NDArray heads4 = context.transpose(0, 2, 1, 3);
        NDArray merged = heads4.reshape(b, l, (long) heads * headDim);
        free(heads4, context);
        NDArray out = outProj.forward(ps, merged, training);
        free(merged);
        return out;
    }

    @Override
    protected void configure(ComputePolicy policy) {
        kernel = policy.attentionKernel();
    }

    /** [B, L, D] (consumed) as heads [B, H, L, d]. */
    private NDArray split(NDArray t, long b, long l) {
        NDArray heads4 = t.reshape(b, l, heads, headDim).transpose(0, 2, 1, 3);
        free(t);
        return heads4;
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
