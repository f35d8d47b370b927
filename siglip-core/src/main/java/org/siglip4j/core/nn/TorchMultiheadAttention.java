package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * {@code torch.nn.MultiheadAttention(dim, heads, batch_first=True)} with packed
 * {@code in_proj_weight} [3D, D] (q, k, v rows in that order), {@code in_proj_bias} [3D] and
 * {@code out_proj}; used by the MAP head with a learned query. The layer is the projections
 * around an {@link AttentionKernel}: always {@link EagerAttention#TORCH_MULTIHEAD}, the math of the
 * torch module it mirrors (HF's {@code attn_implementation} does not reach it either), whatever
 * kernel the {@link ComputePolicy} gives the encoder layers.
 */
public final class TorchMultiheadAttention extends SiglipModule {
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final TorchLinear outProj;
    private final int dim;
    private final int heads;
    private final AttentionKernel kernel = EagerAttention.TORCH_MULTIHEAD;
    /** Whether the policy this layer runs with sends large projections to oneDNN. */
    private volatile ComputePolicy compute = ComputePolicy.DEFAULT;

    /** Attention with {@code heads} heads over {@code dim} features. */
    public TorchMultiheadAttention(int dim, int heads) {
        this.dim = dim;
        this.heads = heads;
        inProjWeight = parameter("in_proj_weight", new Shape(3L * dim, dim), Parameter.Type.WEIGHT,
                new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6));
        inProjBias = parameter("in_proj_bias", new Shape(3L * dim), Parameter.Type.BIAS, Initializer.ZEROS);
        outProj = module("out_proj", new TorchLinear(dim, dim));
    }

    /**
     * Attention of {@code query} [Bq, Lq, D] (Bq may be 1, broadcast over the batch) over
     * {@code kv} [B, L, D].
     */
    public NDArray forward(ParameterStore ps, NDArray query, NDArray kv, boolean training) {
        return forward(ps, query, kv, null, training);
    }

    /**
     * Attention with an additive key mask (SigLIP 2's padding patches).
     *
     * @param maskBias [B, 1, 1, L] (0 keep, very negative drop) or null
     */
    public NDArray forward(ParameterStore ps, NDArray query, NDArray kv, NDArray maskBias, boolean training) {
        NDArray w = value(ps, inProjWeight, kv, training);
        NDArray b = value(ps, inProjBias, kv, training);
        int hd = dim / heads;
        NDArray wq = own(w.get("0:" + dim), kv);
        NDArray wk = own(w.get(dim + ":" + 2 * dim), kv);
        NDArray wv = own(w.get(2 * dim + ":"), kv);
        NDArray bq = own(b.get("0:" + dim), kv);
        NDArray bk = own(b.get(dim + ":" + 2 * dim), kv);
        NDArray bv = own(b.get(2 * dim + ":"), kv);
        boolean oneDnn = compute.oneDnnLinearNow();
        long bsz = kv.getShape().get(0);
        long l = kv.getShape().get(1);
        long bqsz = query.getShape().get(0);
        long lq = query.getShape().get(1);
        NDArray q = own(TorchLinear.linear(query, wq, bq, oneDnn), kv);
        q = q.reshape(bqsz, lq, heads, hd).transpose(0, 2, 1, 3); // [Bq, H, Lq, d]
        NDArray kT = TorchLinear.linear(kv, wk, bk, oneDnn).reshape(bsz, l, heads, hd).transpose(0, 2, 3, 1);
        // q was moved to the activations' manager above, so every product in the kernel lands there
        NDArray context = kernel.attend(q, kT,
                () -> TorchLinear.linear(kv, wv, bv, oneDnn).reshape(bsz, l, heads, hd).transpose(0, 2, 1, 3),
                maskBias, (float) Math.sqrt(1.0 / hd), 0f, training);
        NDArray out = context.transpose(0, 2, 1, 3).reshape(bsz, lq, dim);
        return outProj.forward(ps, out, training);
    }

    @Override
    protected void configure(ComputePolicy policy) {
        compute = policy;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.get(0), inputs.get(inputs.size() > 1 ? 1 : 0), training));
    }
}
