package org.siglip4j.core.nn;

import java.util.List;
import java.util.Locale;
import org.siglip4j.core.SiglipException;

/**
 * What a calibration measured on one machine ({@link MachineKey}) and what it picked: the linear
 * kernel for inference (forward only) and for training (forward and backward under autograd), and
 * the inference and training chunk budgets. {@link ComputePolicy#fromSystemProperties()} starts
 * from these picks when {@link CalibrationCache} holds a calibration for this machine; explicit
 * system properties still override them.
 *
 * <p>The training kernel is one choice for both directions because under autograd the backward of
 * a {@code linear} is the backward of whatever op computed its forward; both directions are
 * measured and reported separately all the same.
 *
 * @param format the file format ({@link #FORMAT}); another is ignored as stale
 * @param machine what the measurements hold for
 * @param model the model whose shapes were measured (a preset name or a folder)
 * @param inferenceLinear the kernel of inference calls
 * @param trainingLinear the kernel of calls under autograd
 * @param inferenceChunkBytes the picked {@link ComputePolicy#inferenceChunkBytes()}
 * @param trainingChunkBytes the picked {@link ComputePolicy#trainingChunkBytes()}
 * @param linear the linear measurements, per shape, direction and kernel
 * @param budgets the chunk budget measurements
 */
public record KernelCalibration(int format, MachineKey machine, String model, LinearKernel inferenceLinear,
        LinearKernel trainingLinear, long inferenceChunkBytes, long trainingChunkBytes, List<LinearTiming> linear,
        List<BudgetTiming> budgets) {
    /** The current file format. */
    public static final int FORMAT = 1;

    /** Which pass of a linear layer a measurement timed. */
    public enum Direction {
        /** y = x W^T + b. */
        FORWARD,
        /** dx, dW and db from dy, after a forward under autograd. */
        BACKWARD
    }

    /**
     * One kernel on one shape in one direction.
     *
     * @param use where the model runs this shape ("vision inference", "text training"), or "probe"
     *     for a shape checked for correctness only (not counted in the timings)
     * @param in input features
     * @param out output features
     * @param rows rows (tokens over the chunk's images or texts)
     * @param direction forward or backward
     * @param kernel the kernel
     * @param millis the median time of one call
     * @param relError max |kernel - float64 reference| over max |reference| (for backward, the worst of dx, dW, db)
     * @param correct whether {@code relError} is within float32 rounding ({@link LinearCalibration#TOLERANCE})
     */
    public record LinearTiming(String use, long in, long out, long rows, Direction direction, LinearKernel kernel,
            double millis, double relError, boolean correct) {
        /** The rate: 2 rows in out flops forward, twice that backward (dx and dW). */
        public double gflops() {
            double flops = 2.0 * rows * in * out * (direction == Direction.FORWARD ? 1 : 2);
            return flops / (millis * 1e6);
        }
    }

    /**
     * One chunk budget on one workload.
     *
     * @param training whether it timed a training forward and backward (else inference)
     * @param bytes the budget
     * @param batch images and texts per call
     * @param millis the median time of one call
     */
    public record BudgetTiming(boolean training, long bytes, int batch, double millis) {}

    /** Checks what a file may have left out or spoiled, so a bad file is never half-used. */
    public KernelCalibration {
        if (machine == null || inferenceLinear == null || trainingLinear == null || linear == null
                || budgets == null) {
            throw new SiglipException("a calibration needs its machine, kernels and measurements");
        }
        if (inferenceChunkBytes < 1 || trainingChunkBytes < 1) {
            throw new SiglipException("calibrated chunk budgets must be at least 1 byte, got " + inferenceChunkBytes
                    + " and " + trainingChunkBytes);
        }
        linear = List.copyOf(linear);
        budgets = List.copyOf(budgets);
    }

    /** {@code p} with this calibration's kernels and chunk budgets. */
    public ComputePolicy applyTo(ComputePolicy p) {
        return p.withChunkBytes(inferenceChunkBytes, trainingChunkBytes)
                .withOneDnnLinear(inferenceLinear == LinearKernel.ONEDNN_CONV, trainingLinear == LinearKernel.ONEDNN_CONV);
    }

    /** One line: the picks and what they hold for. */
    public String summary() {
        return String.format(Locale.ROOT, "linear %s (inference), %s (training); chunks %s (inference), %s (training);"
                + " %d threads, libtorch %s", inferenceLinear.label(), trainingLinear.label(), mib(inferenceChunkBytes),
                mib(trainingChunkBytes), machine.threads(), machine.libtorch());
    }

    /** Bytes as "24 MiB" when whole mebibytes, else as bytes. */
    public static String mib(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " B";
    }
}
