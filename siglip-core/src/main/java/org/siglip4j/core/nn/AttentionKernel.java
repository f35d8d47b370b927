package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import java.util.function.Supplier;

/**
 * The core of scaled dot-product attention, softmax(q k^T * scale + mask) v per head, behind one
 * interface so that the layer's code does not change with the kernel (as Hugging Face keeps
 * {@code attn_implementation} out of {@code SiglipAttention}). Chosen from a {@link
 * ComputePolicy}; implementations are stateless and safe for concurrent calls.
 *
 * <p>Shapes: B batch, H heads, L tokens, d head size. Every input is consumed (closed once used)
 * so that a layer's temporaries do not all live at once.
 */
public interface AttentionKernel {
    /**
     * The attention context.
     *
     * @param q queries [B, H, L, d] (consumed)
     * @param kT keys, transposed [B, H, d, L] (consumed)
     * @param values computes the values [B, H, L, d] when the kernel needs them (consumed): late,
     *     so that an eager kernel has freed q and k before v exists
     * @param maskBias additive key mask [B, 1, 1, L] (0 keep, very negative drop) or null
     * @param scale the scores' factor, head_dim^-0.5
     * @param dropout the attention dropout, applied in training only
     * @param training whether this is a training forward
     * @return the context [B, H, L, d]
     */
    NDArray attend(NDArray q, NDArray kT, Supplier<NDArray> values, NDArray maskBias, float scale, float dropout,
            boolean training);
}
