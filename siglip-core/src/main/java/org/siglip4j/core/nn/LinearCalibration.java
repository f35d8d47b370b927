package org.siglip4j.core.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.nn.KernelCalibration.Direction;
import org.siglip4j.core.nn.KernelCalibration.LinearTiming;

/**
 * Measures the {@link LinearKernel}s against each other on given shapes, forward and backward
 * apart, and picks one for inference and one for training. Every kernel's values (the output, and
 * dx, dW and db after a backward) are first compared with a float64 reference computed by the
 * engine's double-precision matrix product: a kernel wrong at any shape, the correctness probes
 * included, is never picked, however fast. Timings alternate the kernels call by call, so a
 * machine that slows down meanwhile slows all of them alike.
 */
public final class LinearCalibration {
    /**
     * The largest relative error (max |diff| over max |reference|) a correct kernel shows: float32
     * sums of a few thousand products round to ~1e-6; the oneDNN fault seen on an AMD EPYC Zen 5 was
     * off by ~1 (30 on outputs of 40).
     */
    public static final double TOLERANCE = 1e-4;
    /**
     * How much faster than the built-in choice ({@link LinearKernel#LINEAR}, or a chunk budget's
     * default) another must be to be picked: closer than that is within the timing noise of a
     * shared machine.
     */
    public static final double MARGIN = 0.05;

    /**
     * Shapes checked for correctness only (not timed into the pick): 96 -> 40 features at an odd
     * row count is where libtorch 2.7.1's oneDNN 1x1 convolution returned wrong values on an AMD
     * EPYC Zen 5, and a cached pick serves every model on the machine, not only the one measured.
     */
    static final List<LinearShape> PROBES = List.of(new LinearShape("probe", 96, 40, 733),
            new LinearShape("probe", 64, 48, 750), new LinearShape("probe", 40, 96, 1021));

    /**
     * A linear layer's shape as the model runs it.
     *
     * @param use where ("vision inference", "text training", "probe")
     * @param in input features
     * @param out output features
     * @param rows rows per call (tokens over a chunk's images or texts)
     */
    public record LinearShape(String use, long in, long out, long rows) {}

    /** x W^T + b over the last axis, as a kernel computes it. */
    @FunctionalInterface
    interface LinearFunction {
        NDArray apply(NDArray x, NDArray weight, NDArray bias);
    }

    /** A candidate: a {@link LinearKernel}'s own function, or a test's stand-in under its name. */
    record Candidate(LinearKernel kernel, LinearFunction function) {}

    /**
     * What the measurements picked.
     *
     * @param inference the kernel of inference calls
     * @param training the kernel of calls under autograd
     */
    public record Picks(LinearKernel inference, LinearKernel training) {}

    private LinearCalibration() {}

    /**
     * Times every {@link LinearKernel} on {@code shapes} and on the correctness probes.
     *
     * @param shapes the model's shapes
     * @param rounds timed calls per kernel, shape and direction (after one untimed call)
     * @param progress receives one line per shape
     * @return one timing per shape, direction and kernel
     */
    public static List<LinearTiming> measure(List<LinearShape> shapes, int rounds, Consumer<String> progress) {
        List<Candidate> candidates = Arrays.stream(LinearKernel.values()).map(k -> new Candidate(k, k::apply)).toList();
        return measure(candidates, shapes, rounds, progress);
    }

    /** {@link #measure(List, int, Consumer)} with these candidates (the seam the tests use). */
    static List<LinearTiming> measure(List<Candidate> candidates, List<LinearShape> shapes, int rounds,
            Consumer<String> progress) {
        List<LinearShape> all = new ArrayList<>(shapes);
        all.addAll(PROBES);
        List<LinearTiming> timings = new ArrayList<>();
        for (LinearShape s : all) {
            List<LinearTiming> rows = measureShape(candidates, s, s.use().equals("probe") ? 1 : rounds);
            timings.addAll(rows);
            progress.accept(line(s, rows));
        }
        return timings;
    }

    /**
     * The kernels to use: for inference the fastest whose forward is right everywhere, for training
     * the fastest in forward plus backward whose forward and backward are right everywhere; {@link
     * LinearKernel#LINEAR} unless another beats it by more than {@link #MARGIN}. Probes and shapes
     * under {@link OneDnnLinear#MIN_ROWS} rows (which the layers keep on the plain linear whatever
     * is picked) count for correctness only.
     *
     * @throws SiglipException when no kernel is right everywhere (not even the engine's own linear)
     */
    public static Picks pick(List<LinearTiming> timings) {
        return new Picks(pick(timings, false), pick(timings, true));
    }

    private static LinearKernel pick(List<LinearTiming> timings, boolean training) {
        Map<LinearKernel, Double> cost = new EnumMap<>(LinearKernel.class);
        Map<LinearKernel, Boolean> right = new EnumMap<>(LinearKernel.class);
        for (LinearTiming t : timings) {
            if (!training && t.direction() == Direction.BACKWARD) {
                continue;
            }
            right.merge(t.kernel(), t.correct(), Boolean::logicalAnd);
            // probes are not the model's shapes; below MIN_ROWS the layers keep the plain linear whatever is picked
            double counted = t.use().equals("probe") || t.rows() < OneDnnLinear.MIN_ROWS ? 0 : t.millis();
            cost.merge(t.kernel(), counted, Double::sum);
        }
        LinearKernel best = null;
        for (LinearKernel k : right.keySet()) {
            if (right.get(k) && (best == null || cost.get(k) < cost.get(best))) {
                best = k;
            }
        }
        if (best == null) {
            throw new SiglipException("no linear kernel agrees with the float64 reference on this machine ("
                    + (training ? "training" : "inference") + "); kernels measured: " + right.keySet());
        }
        Double plain = cost.get(LinearKernel.LINEAR);
        if (best != LinearKernel.LINEAR && right.getOrDefault(LinearKernel.LINEAR, false)
                && cost.get(best) > plain * (1 - MARGIN)) {
            return LinearKernel.LINEAR;
        }
        return best;
    }

    private static List<LinearTiming> measureShape(List<Candidate> candidates, LinearShape s, int rounds) {
        int rows = Math.toIntExact(s.rows());
        int in = Math.toIntExact(s.in());
        int out = Math.toIntExact(s.out());
        long seed = s.in() * 1_000_003L + s.out() * 1_009L + s.rows();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            // unit-variance outputs, as a trained layer's: the weight scaled by 1/sqrt(in)
            NDArray x = m.create(gaussian(rows * in, seed, 1), new Shape(rows, in));
            NDArray w = m.create(gaussian(out * in, seed + 1, 1 / Math.sqrt(in)), new Shape(out, in));
            NDArray b = m.create(gaussian(out, seed + 2, 1), new Shape(out));
            NDArray g = m.create(gaussian(rows * out, seed + 3, 1), new Shape(rows, out));
            NDArray[] reference = reference(x, w, b, g);
            int n = candidates.size();
            double[] forwardError = new double[n];
            double[] backwardError = new double[n];
            double[][] forward = new double[n][rounds];
            double[][] backward = new double[n][rounds];
            for (int c = 0; c < n; c++) {
                Candidate k = candidates.get(c);
                try (GradMode off = GradMode.disabled(); NDArray y = k.function().apply(x, w, b)) {
                    forwardError[c] = relError(y, reference[0]);
                }
                backwardError[c] = backwardError(k, x, w, b, g, reference);
            }
            for (int r = 0; r < rounds; r++) {
                for (int c = 0; c < n; c++) {
                    forward[c][r] = timeForward(candidates.get(c), x, w, b);
                    backward[c][r] = timeBackward(candidates.get(c), x, w, b, g);
                }
            }
            List<LinearTiming> result = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                LinearKernel k = candidates.get(c).kernel();
                result.add(new LinearTiming(s.use(), s.in(), s.out(), s.rows(), Direction.FORWARD, k,
                        median(forward[c]), forwardError[c], forwardError[c] <= TOLERANCE));
                result.add(new LinearTiming(s.use(), s.in(), s.out(), s.rows(), Direction.BACKWARD, k,
                        median(backward[c]), backwardError[c], backwardError[c] <= TOLERANCE));
            }
            return result;
        }
    }

    /** y, dx, dW, db of sum(y * g) in float64 through the engine's double-precision product. */
    private static NDArray[] reference(NDArray x, NDArray w, NDArray b, NDArray g) {
        try (GradMode off = GradMode.disabled()) {
            NDArray x64 = x.toType(DataType.FLOAT64, true);
            NDArray w64 = w.toType(DataType.FLOAT64, true);
            NDArray g64 = g.toType(DataType.FLOAT64, true);
            NDArray y = x64.matMul(w64.transpose()).add(b.toType(DataType.FLOAT64, true));
            return new NDArray[] {y, g64.matMul(w64), g64.transpose().matMul(x64), g64.sum(new int[] {0})};
        }
    }

    private static double backwardError(Candidate k, NDArray x, NDArray w, NDArray b, NDArray g, NDArray[] ref) {
        try (NDManager call = x.getManager().newSubManager(); GradMode on = GradMode.enabled()) {
            NDArray[] leaves = leaves(call, x, w, b);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = k.function().apply(leaves[0], leaves[1], leaves[2]);
                NDArray loss = y.mul(g).sum();
                gc.backward(loss);
            }
            double worst = 0;
            for (int i = 0; i < 3; i++) {
                worst = Math.max(worst, relError(leaves[i].getGradient(), ref[i + 1]));
            }
            return worst;
        }
    }

    /** Fresh copies of x, W and b in {@code call} that collect gradients (none from an earlier backward). */
    private static NDArray[] leaves(NDManager call, NDArray... arrays) {
        NDArray[] leaves = new NDArray[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            leaves[i] = arrays[i].duplicate();
            leaves[i].attach(call);
            leaves[i].setRequiresGradient(true);
        }
        return leaves;
    }

    private static double timeForward(Candidate k, NDArray x, NDArray w, NDArray b) {
        try (GradMode off = GradMode.disabled()) {
            long t0 = System.nanoTime();
            NDArray y = k.function().apply(x, w, b);
            double ms = (System.nanoTime() - t0) / 1e6;
            y.close();
            return ms;
        }
    }

    /** The backward alone: the forward under autograd runs first, untimed. */
    private static double timeBackward(Candidate k, NDArray x, NDArray w, NDArray b, NDArray g) {
        try (NDManager call = x.getManager().newSubManager(); GradMode on = GradMode.enabled()) {
            NDArray[] leaves = leaves(call, x, w, b);
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = k.function().apply(leaves[0], leaves[1], leaves[2]).mul(g).sum();
                long t0 = System.nanoTime();
                gc.backward(loss);
                return (System.nanoTime() - t0) / 1e6;
            }
        }
    }

    private static double relError(NDArray got, NDArray want64) {
        try (GradMode off = GradMode.disabled()) {
            NDArray diff = got.toType(DataType.FLOAT64, true).sub(want64).abs();
            double d = diff.max().getDouble();
            double scale = want64.abs().max().getDouble();
            diff.close();
            return d / Math.max(scale, 1e-30);
        }
    }

    private static float[] gaussian(int n, long seed, double sigma) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }

    /** The median of some timings. */
    public static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String line(LinearShape s, List<LinearTiming> rows) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-17s %5d -> %-5d x %5d:", s.use(), s.in(),
                s.out(), s.rows()));
        for (LinearTiming t : rows) {
            sb.append(String.format(Locale.ROOT, "  %s %s %.1f GFLOP/s%s", t.kernel().label(),
                    t.direction() == Direction.FORWARD ? "fwd" : "bwd", t.gflops(), t.correct() ? ""
                            : String.format(Locale.ROOT, " WRONG (rel %.1e)", t.relError())));
        }
        return sb.toString();
    }
}
