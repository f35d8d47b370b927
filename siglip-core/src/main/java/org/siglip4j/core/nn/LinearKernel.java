package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import java.util.Locale;
import org.siglip4j.core.SiglipException;

/**
 * The ways the PyTorch engine can compute a float32 {@code linear} (x W^T + b over the last axis),
 * the candidates a {@link KernelCalibration} measures against each other: which is faster, and
 * whether it is right at all, depends on the CPU and the libtorch build, not on its vendor.
 */
public enum LinearKernel {
    /** The engine's {@code linear}: {@code aten::addmm}, MKL's {@code sgemm} in DJL's libtorch on x86. */
    LINEAR("linear"),
    /** A channels-last 1x1 convolution, which libtorch hands to oneDNN ({@link OneDnnLinear}). */
    ONEDNN_CONV("onednn-conv");

    private final String label;

    LinearKernel(String label) {
        this.label = label;
    }

    /** The name the calibration table and {@code siglip bench} print. */
    public String label() {
        return label;
    }

    /**
     * x W^T + b with this kernel, whatever the shape or thread count (the model's layers add their
     * own conditions before they use {@link #ONEDNN_CONV}, see {@link TorchLinear#linear}).
     *
     * @param x [..., in]
     * @param weight [out, in]
     * @param bias [out], or null
     * @return [..., out]
     */
    public NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        return switch (this) {
            case LINEAR -> bias == null ? Linear.linear(x, weight).singletonOrThrow()
                    : Linear.linear(x, weight, bias).singletonOrThrow();
            case ONEDNN_CONV -> OneDnnLinear.apply(x, weight, bias);
        };
    }

    /** The kernel of a {@link #label()}; anything else is one error line naming the known ones. */
    public static LinearKernel parse(String label) {
        String l = label == null ? "" : label.strip().toLowerCase(Locale.ROOT);
        for (LinearKernel k : values()) {
            if (k.label.equals(l)) {
                return k;
            }
        }
        throw new SiglipException("unknown linear kernel '" + label + "'; known: "
                + Arrays.stream(values()).map(LinearKernel::label).toList());
    }
}
