package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/** {@code torch.nn.Conv2d(in, out, kernel, stride=kernel)} with bias: the patch embedding. */
public final class TorchConv2d extends SiglipModule {
    private final Parameter weight;
    private final Parameter bias;
    private final int kernel;

    /** A square-kernel convolution with stride equal to the kernel and no padding. */
    public TorchConv2d(int in, int out, int kernel, Initializer weightInit) {
        this.kernel = kernel;
        weight = parameter("weight", new Shape(out, in, kernel, kernel), Parameter.Type.WEIGHT, weightInit);
        bias = parameter("bias", new Shape(out), Parameter.Type.BIAS, Initializer.ZEROS);
    }

    /** [B, C, H, W] to [B, out, H/k, W/k]. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        return Conv2d.conv2d(x, value(ps, weight, x, training), value(ps, bias, x, training), new Shape(kernel, kernel))
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }
}
