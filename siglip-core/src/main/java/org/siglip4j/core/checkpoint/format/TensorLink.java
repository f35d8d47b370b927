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

    /**
     * Another layout's names, within one encoder layer, for HF's {@code layer_norm1},
     * {@code layer_norm2}, fused {@code self_attn.q/k/v_proj}, {@code self_attn.out_proj},
     * {@code mlp.fc1} and {@code mlp.fc2}; {@code qkv} ends in its separator (open_clip's
     * {@code in_proj_weight} has none before the parameter name).
     */
    record LayerNames(String norm1, String norm2, String qkv, String out, String fc1, String fc2) {}

    /**
     * The links of one pre-norm encoder layer (weights and biases).
     *
     * @param hfLayer HF's layer prefix, ending in a dot
     * @param otherLayer the other layout's layer prefix, ending in a dot
     * @param names the other layout's names within the layer
     * @return the links: the weights' then the biases'
     */
    static List<TensorLink> encoderLayer(String hfLayer, String otherLayer, LayerNames names) {
        List<TensorLink> l = new java.util.ArrayList<>();
        for (String p : List.of("weight", "bias")) {
            l.add(same(hfLayer + "layer_norm1." + p, otherLayer + names.norm1() + "." + p));
            l.add(same(hfLayer + "layer_norm2." + p, otherLayer + names.norm2() + "." + p));
            l.add(new TensorLink(List.of(hfLayer + "self_attn.q_proj." + p, hfLayer + "self_attn.k_proj." + p,
                    hfLayer + "self_attn.v_proj." + p), List.of(otherLayer + names.qkv() + p), Kind.FUSED));
            l.add(same(hfLayer + "self_attn.out_proj." + p, otherLayer + names.out() + "." + p));
            l.add(same(hfLayer + "mlp.fc1." + p, otherLayer + names.fc1() + "." + p));
            l.add(same(hfLayer + "mlp.fc2." + p, otherLayer + names.fc2() + "." + p));
        }
        return l;
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
