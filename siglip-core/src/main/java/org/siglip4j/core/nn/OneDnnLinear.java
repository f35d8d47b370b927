package org.siglip4j.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code linear} computed as a 1x1 convolution over a channels-last view, so that
 * libtorch hands it to oneDNN instead of MKL's {@code sgemm}.
 *
 * <p>Why: the MKL inside DJL's libtorch dispatches on the CPU vendor and runs its generic
 * (non-AVX-512) kernels on AMD processors, while oneDNN picks its kernels from the instruction
 * set alone, so on AMD processors oneDNN's brgemm 1x1 convolution ran ViT-B's projections faster
 * than MKL (docs/performance.md, "Linear layers on oneDNN"). No data is copied: the [rows, in] input is read as an
 * NHWC image [1, in, rows, 1] and the NHWC result [1, out, rows, 1] is the [rows, out] matrix.
 * oneDNN reorders the weight into its blocked layout on every call (DJL has no way to keep an
 * opaque oneDNN tensor), a cost proportional to the weight alone, so small row counts stay on
 * the plain path, where the reorder would cost more than it saves. Under autograd the
 * convolution's backward runs on oneDNN too, which made a ViT-B training step faster and its peak
 * lower (docs/performance.md, "Measurements behind design choices").
 *
 * <p>The channels-last 1x1 convolution is not correct for every shape on every CPU: on an AMD
 * EPYC with AVX-512 VNNI/BF16 (Zen 5) libtorch 2.7.1's oneDNN returned wrong values for 96 input
 * and 40 output channels (off by up to 30 on outputs of magnitude 40) while the same product as a
 * plain NCHW convolution or a {@code linear} was right. So each (in, out) pair is checked once
 * per process against the engine's {@code linear} ({@link #agreesWithPlainLinear}) before the
 * path serves it; a pair that disagrees stays on the plain path, with one warning. That check is
 * not enough: on the same CPU the default model's embeddings over whole test sets still came out
 * wrong through this path (lowest cosine 0.983 to the plain path and to ONNX Runtime), so the path
 * is off unless the {@link ComputePolicy} turns it on: {@code -Dsiglip4j.onednnLinear=true}, or a
 * {@link KernelCalibration} of this machine that found it right on every shape it checked (against
 * a float64 reference, forward and backward) and faster ({@code siglip calibrate}).
 */
final class OneDnnLinear {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnLinear.class);
    /** Per (in, out) pair: whether the oneDNN path agreed with the plain linear on this CPU. */
    private static final Map<Long, Boolean> AGREES = new ConcurrentHashMap<>();

    /** The fewest rows (tokens over the batch) that go through oneDNN; fewer lose to the reorder. */
    static final long MIN_ROWS = 720;
    /**
     * The system property that turns the oneDNN path on ({@code true}), read only by {@link
     * ComputePolicy#fromSystemProperties()}; off by default since it gave wrong embeddings on an
     * AMD EPYC Zen 5 even at shapes the per-shape check accepts.
     */
    static final String PROPERTY = ComputePolicy.ONEDNN_PROPERTY;

    private OneDnnLinear() {}

    /**
     * Whether {@link #apply} serves this call: the layer's policy turned the path on ({@code
     * enabled}), float32 on the CPU, at least {@link #MIN_ROWS} rows
     * and more than one intra-op thread (with one thread libtorch sends a batch-1 1x1 convolution
     * to its slow native path instead of oneDNN).
     */
    static boolean applies(NDArray x, NDArray weight, boolean enabled) {
        Shape s = x.getShape();
        long in = s.dimension() >= 2 ? s.get(s.dimension() - 1) : 0;
        return enabled
                && in > 0
                && s.size() / in >= MIN_ROWS
                && x.getDataType() == DataType.FLOAT32
                && weight.getDataType() == DataType.FLOAT32
                && Device.cpu().equals(x.getDevice())
                && "PyTorch".equals(x.getManager().getEngine().getEngineName())
                && JniUtils.getNumThreads() > 1
                && agreesWithPlainLinear(in, weight.getShape().get(0));
    }

    /**
     * Whether the oneDNN path computes x W^T for {@code in} inputs and {@code out} outputs on this
     * CPU as the engine's {@code linear} does, on seeded Gaussian data with an odd row count (so a
     * kernel's row tail is exercised). Checked once per pair and process, in a manager of its own.
     */
    static boolean agreesWithPlainLinear(long in, long out) {
        return AGREES.computeIfAbsent(in * 1_000_003L + out, k -> {
            boolean agrees = check(in, out);
            if (!agrees) {
                LOG.warn("oneDNN's 1x1 convolution gives wrong results for {} -> {} features on this CPU;"
                        + " those layers use the plain linear", in, out);
            }
            return agrees;
        });
    }

    private static boolean check(long in, long out) {
        int rows = (int) MIN_ROWS + 13;
        Random random = new Random(in * 31 + out);
        float[] x = new float[Math.toIntExact(rows * in)];
        float[] w = new float[Math.toIntExact(out * in)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch"); GradMode off = GradMode.disabled()) {
            NDArray xa = m.create(x, new Shape(rows, in));
            NDArray wa = m.create(w, new Shape(out, in));
            NDArray plain = Linear.linear(xa, wa).singletonOrThrow();
            float scale = plain.abs().max().getFloat();
            float diff = plain.sub(apply(xa, wa, null)).abs().max().getFloat();
            // float32 sums of `in` products of unit Gaussians differ by rounding only: ~1e-6 relative
            return diff <= 1e-4f * Math.max(1f, scale);
        }
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
