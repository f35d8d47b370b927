package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.norm.Dropout;
import java.util.function.Supplier;

/**
 * Eager attention: all heads' [B, H, L, L] scores at once, masked, softmax, dropout in training,
 * then the product with v, in one of the two forms the reference models write it:
 *
 * <ul>
 *   <li>{@link #INSTANCE}, HF's {@code eager_attention_forward} ({@code SiglipAttention}): the
 *       scores q k^T are scaled, the softmax runs in float32 (as HF upcasts);</li>
 *   <li>{@link #TORCH_MULTIHEAD}, {@code torch.nn.MultiheadAttention}'s explicit path
 *       ({@code F.multi_head_attention_forward}, which the MAP head's attention is): q is scaled
 *       before the product and the softmax runs in the scores' own type. Rounding differs from the
 *       first form, so each layer keeps the form of the module it mirrors.</li>
 * </ul>
 */
public final class EagerAttention implements AttentionKernel {
    /** HF's eager attention (scores scaled, float32 softmax); stateless. */
    public static final EagerAttention INSTANCE = new EagerAttention(false);
    /** {@code torch.nn.MultiheadAttention}'s (q scaled first, softmax in the scores' type); stateless. */
    public static final EagerAttention TORCH_MULTIHEAD = new EagerAttention(true);

    /** Whether q is scaled before the product, as torch's multi-head attention does. */
    private final boolean scaleQueries;

    private EagerAttention(boolean scaleQueries) {
        this.scaleQueries = scaleQueries;
    }

    @Override
    public NDArray attend(NDArray q, NDArray kT, Supplier<NDArray> values, NDArray maskBias, float scale,
            float dropout, boolean training) {
        if (scaleQueries) {
            NDArray scaled = q.mul(Scalars.of(q, scale));
            SiglipModule.free(q);
            q = scaled;
        }
        NDArray probs = probabilities(q.matMul(kT), maskBias, scale, dropout, training);
        SiglipModule.free(q, kT);
        NDArray v = values.get();
        NDArray context = probs.matMul(v);
        SiglipModule.free(probs, v);
        return context;
    }

    /**
     * Softmax probabilities of raw scores q k^T (consumed): scaled (unless q was), masked, in float32
     * (in their own type for torch's form), dropped out in training.
     */
    private NDArray probabilities(NDArray scores, NDArray maskBias, float scale, float dropout, boolean training) {
        if (!scaleQueries) { // torch's form has scaled q instead
            if (GradMode.isEnabled()) {
                NDArray scaled = scores.mul(Scalars.of(scores, scale));
                SiglipModule.free(scores);
                scores = scaled;
            } else {
                scores.muli(scale); // in place: one fewer [B, H, L, L] temporary per layer
            }
        }
        if (maskBias != null) {
            NDArray masked = scores.add(maskBias);
            SiglipModule.free(scores);
            scores = masked;
        }
        NDArray probs = scaleQueries || scores.getDataType() == DataType.FLOAT32 ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(scores.getDataType(), false);
        SiglipModule.free(scores);
        if (training && dropout > 0) {
            NDArray dropped = Dropout.dropout(probs, dropout, true).singletonOrThrow();
            SiglipModule.free(probs);
            probs = dropped;
        }
        return probs;
    }
}
