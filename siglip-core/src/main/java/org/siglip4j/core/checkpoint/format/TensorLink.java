package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * One correspondence between Hugging Face tensors and the tensors of another layout that holds the
 * same numbers, usable in both directions ({@link #forward} to HF, {@link #reverse} from HF).
 *
 * @param hf the Hugging Face names
 * @param other the other layout's names
 * @param kind how they relate
 */
record TensorLink(List<String> hf, List<String> other, Kind kind) {
    /** How the tensors relate. */
    enum Kind {
        /** One tensor, the same array. */
        SAME,
        /** The other layout fuses the HF tensors along axis 0 (q/k/v in one {@code qkv} or {@code in_proj}). */
        FUSED,
        /** timm's attention pool: {@code q} and fused {@code kv} are HF's one {@code in_proj} (q, k, v). */
        Q_KV,
        /** The other layout has a leading axis of 1 ({@code pos_embed [1, N, D]}). */
        LEADING_ONE,
        /** The other layout stores a scalar where HF stores {@code [1]} ({@code logit_scale}). */
        SCALAR
    }

    static TensorLink same(String hf, String other) {
        return new TensorLink(List.of(hf), List.of(other), Kind.SAME);
    }

    /** Adds the HF tensors' rules, made from the other layout, to {@code plan}. */
    void forward(TensorPlan plan) {
        switch (kind) {
            case SAME -> plan.copy(hf.get(0), other.get(0));
            case FUSED -> {
                for (int i = 0; i < hf.size(); i++) {
                    plan.add(hf.get(i), other, TensorPlan.part(i, hf.size()));
                }
            }
            case Q_KV -> plan.add(hf.get(0), other, TensorPlan.concat());
            case LEADING_ONE -> plan.map(hf.get(0), other.get(0), a -> a.squeeze(0));
            case SCALAR -> plan.map(hf.get(0), other.get(0), a -> a.reshape(1));
        }
    }

    /** Adds the other layout's rules, made from HF tensors, to {@code plan}. */
    void reverse(TensorPlan plan) {
        switch (kind) {
            case SAME -> plan.copy(other.get(0), hf.get(0));
            case FUSED -> plan.add(other.get(0), hf, TensorPlan.concat());
            case Q_KV -> {
                plan.add(other.get(0), hf, TensorPlan.part(0, 3));
                plan.add(other.get(1), hf, a -> {
                    NDList qkv = a.get(0).split(3, 0);
                    return NDArrays.concat(new NDList(qkv.get(1), qkv.get(2)), 0);
                });
            }
            case LEADING_ONE -> plan.map(other.get(0), hf.get(0), a -> a.expandDims(0));
            case SCALAR -> plan.map(other.get(0), hf.get(0), a -> a.reshape(new Shape()));
        }
    }

    /** A plan to HF names from all links. */
    static TensorPlan toHf(List<TensorLink> links) {
        TensorPlan p = new TensorPlan();
        links.forEach(l -> l.forward(p));
        return p;
    }

    /** A plan from HF names to the other layout from all links. */
    static TensorPlan fromHf(List<TensorLink> links) {
        TensorPlan p = new TensorPlan();
        links.forEach(l -> l.reverse(p));
        return p;
    }
}
