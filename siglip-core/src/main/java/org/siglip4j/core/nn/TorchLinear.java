package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/** {@code torch.nn.Linear}: {@code weight} [out, in], optional {@code bias} [out]; y = x W^T + b. */
public final class TorchLinear extends SiglipModule {
    private final Parameter weight;
    private final Parameter bias;
    private final long out;
    /** The policy this layer runs with: whether it sends large calls to oneDNN. */
    private volatile ComputePolicy compute = ComputePolicy.DEFAULT;

    /** A linear layer with bias and Xavier-uniform weights. */
    public TorchLinear(long in, long out) {
        this(in, out, true, new XavierInitializer(XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.AVG, 6),
                Initializer.ZEROS);
    }

    /** A linear layer with the given initializers. */
    public TorchLinear(long in, long out, boolean withBias, Initializer weightInit, Initializer biasInit) {
        this.out = out;
        weight = parameter("weight", new Shape(out, in), Parameter.Type.WEIGHT, weightInit);
        bias = withBias ? parameter("bias", new Shape(out), Parameter.Type.BIAS, biasInit) : null;
    }

    /** Applies the layer to the last axis of {@code x}. */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = value(ps, weight, x, training);
        NDArray b = bias == null ? null : value(ps, bias, x, training);
        return linear(x, w, b, compute.oneDnnLinearNow());
    }

    @Override
    protected void configure(ComputePolicy policy) {
        compute = policy;
    }

    /**
     * {@link #linear(NDArray, NDArray, NDArray, boolean)} with the oneDNN switch of {@link
     * ComputePolicy#fromSystemProperties()}, for callers outside a model (a benchmark's row of
     * "the linear our towers call"); the blocks use the policy they were given.
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return linear(x, weight, bias, ComputePolicy.fromSystemProperties().oneDnnLinearNow());
    }

    /**
     * x W^T + b over the last axis of {@code x}, as every layer computes it: with {@code oneDnn},
     * large float32 calls on the CPU (inference and training) go through oneDNN (a 1x1
     * convolution, see {@link OneDnnLinear}); everything else through the engine's {@code linear}.
     *
     * @param x [..., in]
     * @param weight [out, in]
     * @param bias [out], or null
     * @param oneDnn whether the oneDNN path may serve the call ({@link ComputePolicy#oneDnnLinearNow()})
     * @return [..., out]
     */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias, boolean oneDnn) {
        LinearKernel kernel = OneDnnLinear.applies(x, weight, oneDnn) ? LinearKernel.ONEDNN_CONV : LinearKernel.LINEAR;
        return kernel.apply(x, weight, bias);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        return new Shape[] {in[0].slice(0, in[0].dimension() - 1).add(out)};
    }
}
