package org.siglip4j.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.pytorch.jni.JniUtils;

/**
 * A {@code linear} computed as a 1x1 convolution over a channels-last view, so that
 * libtorch hands it to oneDNN instead of MKL's {@code sgemm}.
 *
 * <p>Why: the MKL inside DJL's libtorch dispatches on the CPU vendor and runs its generic
 * (non-AVX-512) kernels on AMD processors, while oneDNN picks its kernels from the instruction
 * set alone. On the 2-core AMD EPYC (Zen 4) this project is measured on, oneDNN's brgemm 1x1
 * convolution ran ViT-B's projections over 788-985 rows at 153-188 GFLOP/s where MKL ran them at
 * 128-162 (docs/performance.md, "Linear layers on oneDNN"). No data is copied: the [rows, in] input is read as an
 * NHWC image [1, in, rows, 1] and the NHWC result [1, out, rows, 1] is the [rows, out] matrix.
 * oneDNN reorders the weight into its blocked layout on every call (DJL has no way to keep an
 * opaque oneDNN tensor), a cost proportional to the weight alone, so small row counts stay on
 * the plain path, where the reorder would cost more than it saves. Under autograd the
 * convolution's backward runs on oneDNN too: a ViT-B training step at batch 32 took 4-6% less
 * time and peaked 1.5 GB lower than with MKL's {@code linear}.
 */
final class OneDnnLinear {
    /** The fewest rows (tokens over the batch) that go through oneDNN; fewer lose to the reorder. */
    static final long MIN_ROWS = 720;
    /** The system property that turns the oneDNN path off ({@code false}); on by default. */
    static final String PROPERTY = "siglip4j.onednnLinear";

    private OneDnnLinear() {}

    /**
     * Whether {@link #apply} serves this call: float32 on the CPU, at least {@link #MIN_ROWS} rows
     * and more than one intra-op thread (with one thread libtorch sends a batch-1 1x1 convolution
     * to its slow native path instead of oneDNN).
     */
    static boolean applies(NDArray x, NDArray weight) {
        Shape s = x.getShape();
        long in = s.dimension() >= 2 ? s.get(s.dimension() - 1) : 0;
        return in > 0
                && s.size() / in >= MIN_ROWS
                && x.getDataType() == DataType.FLOAT32
                && weight.getDataType() == DataType.FLOAT32
                && Device.cpu().equals(x.getDevice())
                && "PyTorch".equals(x.getManager().getEngine().getEngineName())
                && JniUtils.getNumThreads() > 1
                && Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /** x [..., in] W^T [in, out] + b over the last axis, W [out, in]; b may be null. */
    static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        Shape s = x.getShape();
        long in = s.get(s.dimension() - 1);
        long rows = s.size() / in;
        long out = weight.getShape().get(0);
        NDArray rowsView = x.reshape(1, rows, 1, in);
        NDArray image = rowsView.transpose(0, 3, 1, 2);
        NDArray kernel = weight.reshape(out, in, 1, 1);
        NDArray y = Conv2d.conv2d(image, kernel, bias, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow();
        NDArray yRows = y.transpose(0, 2, 3, 1);
        NDArray result = yRows.reshape(s.slice(0, s.dimension() - 1).add(out));
        SiglipModule.free(rowsView, image, kernel, y, yRows);
        return result;
    }
}
