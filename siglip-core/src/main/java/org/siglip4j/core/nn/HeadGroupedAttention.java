package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.function.Supplier;

/**
 * Eager attention over groups of heads whose [B, h, L, L] scores fit a byte budget, the groups'
 * contexts concatenated: the same values as {@link EagerAttention} (heads are independent), with
 * a bounded working set. When all heads fit, it is the eager kernel. So400m's 729 tokens pass a
 * 24 MiB budget with a single image; grouped, its forward is faster and the model's chunks,
 * no longer bounded by the scores, hold more images (docs/performance.md, "Measurements behind
 * design choices").
 */
public final class HeadGroupedAttention implements AttentionKernel {
    private final long scoreBytes;

    /** A kernel that computes at most {@code scoreBytes} of scores at once (1: one head at a time). */
    public HeadGroupedAttention(long scoreBytes) {
        this.scoreBytes = scoreBytes;
    }

    @Override
    public NDArray attend(NDArray q, NDArray kT, Supplier<NDArray> values, NDArray maskBias, float scale,
            float dropout, boolean training) {
        long b = q.getShape().get(0);
        long heads = q.getShape().get(1);
        long l = q.getShape().get(2);
        long group = headsPerGroup(b, heads, l);
        if (group >= heads) {
            return EagerAttention.INSTANCE.attend(q, kT, values, maskBias, scale, dropout, training);
        }
        NDArray v = values.get();
        NDList parts = new NDList();
        for (long h0 = 0; h0 < heads; h0 += group) {
            String r = ":, " + h0 + ":" + Math.min(heads, h0 + group);
            NDArray vg = v.get(r);
            parts.add(EagerAttention.INSTANCE.attend(q.get(r), kT.get(r), () -> vg, maskBias, scale, dropout,
                    training));
        }
        SiglipModule.free(q, kT, v);
        NDArray context = NDArrays.concat(parts, 1);
        SiglipModule.free(parts.toArray(new NDArray[0]));
        return context;
    }

    /** Heads per group: all of them unless the [B, H, L, L] float32 scores would pass the budget. */
    private long headsPerGroup(long b, long heads, long l) {
        long perHead = Float.BYTES * b * l * l;
        return Math.max(1, Math.min(heads, scoreBytes / Math.max(1, perHead)));
    }
}
