package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.norm.Dropout;
import java.util.function.Supplier;

/**
 * HF's eager attention: all heads' [B, H, L, L] scores at once, scaled, masked, softmax in
 * float32 (as HF upcasts), dropout in training, then the product with v.
 */
public final class EagerAttention implements AttentionKernel {
    /** The kernel (stateless). */
    public static final EagerAttention INSTANCE = new EagerAttention();

    private EagerAttention() {}

    @Override
    public NDArray attend(NDArray q, NDArray kT, Supplier<NDArray> values, NDArray maskBias, float scale,
            float dropout, boolean training) {
        NDArray probs = probabilities(q.matMul(kT), maskBias, scale, dropout, training);
        SiglipModule.free(q, kT);
        NDArray v = values.get();
        NDArray context = probs.matMul(v);
        SiglipModule.free(probs, v);
        return context;
    }

    /** Softmax probabilities of raw scores q k^T (consumed): scaled, masked, in float32, dropped out in training. */
    private static NDArray probabilities(NDArray scores, NDArray maskBias, float scale, float dropout,
            boolean training) {
        if (GradMode.isEnabled()) {
            NDArray scaled = scores.mul(Scalars.of(scores, scale));
            SiglipModule.free(scores);
            scores = scaled;
        } else {
            scores.muli(scale); // in place: one fewer [B, H, L, L] temporary per layer
        }
        if (maskBias != null) {
            NDArray masked = scores.add(maskBias);
            SiglipModule.free(scores);
            scores = masked;
        }
        NDArray probs = scores.getDataType() == DataType.FLOAT32 ? scores.softmax(-1)
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
