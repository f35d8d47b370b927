package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * {@code SiglipEncoder}: {@code layers.0 .. layers.N-1}. Each layer runs in its own sub-manager
 * that is closed once the layer's output has moved out, so intermediates never pile up (the
 * autograd graph keeps what it needs on the native side).
 */
public final class SiglipEncoder extends SiglipModule {
    private final List<SiglipEncoderLayer> layers = new ArrayList<>();

    /** A stack of {@code n} layers. */
    public SiglipEncoder(int n, int dim, int intermediate, int heads, String act, double eps, double dropout) {
        LayerList list = module("layers", new LayerList());
        for (int i = 0; i < n; i++) {
            layers.add(list.add(i, new SiglipEncoderLayer(dim, intermediate, heads, act, eps, dropout)));
        }
    }

    /** Runs every layer; the result belongs to the manager of {@code x}. */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray maskBias, boolean training) {
        NDManager home = x.getManager();
        NDArray h = x;
        for (SiglipEncoderLayer layer : layers) {
            try (NDManager scope = home.newSubManager()) {
                if (h == x) {
                    h.tempAttach(scope);
                    if (maskBias != null) {
                        maskBias.tempAttach(scope);
                    }
                } else {
                    h.attach(scope);
                    if (maskBias != null) {
                        maskBias.tempAttach(scope);
                    }
                }
                NDArray out = layer.forward(ps, h, maskBias, training);
                out.attach(home);
                h = out;
            }
        }
        return h;
    }

    /**
     * The layers as stages for {@link CheckpointedStages}: applied in order they are
     * {@link #forward}.
     */
    public List<UnaryOperator<NDArray>> stages(ParameterStore ps, NDArray maskBias, boolean training) {
        List<UnaryOperator<NDArray>> stages = new ArrayList<>();
        for (SiglipEncoderLayer layer : layers) {
            stages.add(h -> layer.forward(ps, h, maskBias, training));
        }
        return stages;
    }

    /** The layers. */
    public List<SiglipEncoderLayer> layers() {
        return layers;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        NDArray mask = inputs.size() > 1 ? SiglipAttention.maskBias(inputs.get(1)) : null;
        NDArray out = forward(ps, inputs.get(0), mask, training);
        if (mask != null) {
            mask.close();
        }
        return list(out);
    }

    /** The {@code nn.ModuleList} holding the layers under the names 0..N-1. */
    static final class LayerList extends SiglipModule {
        <B extends SiglipModule> B add(int i, B block) {
            return module(Integer.toString(i), block);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> p) {
            throw new UnsupportedOperationException("a ModuleList is not called");
        }
    }
}
