package org.siglip4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.siglip4j.core.SiglipException;

/**
 * The sharded forms against the full-batch loss. Devices are "logical": one NDManager per shard on
 * the CPU, transfers are detached copies (the same code path takes real GPUs when present).
 */
class ShardedSigmoidLossTest {

    static int[] sizes(int k, boolean uneven) {
        int[] s = new int[k];
        for (int i = 0; i < k; i++) {
            s[i] = uneven ? 1 + (i * 5 + 2) % 6 : 4;
        }
        return s;
    }

    static double[][] rows(double[][] a, int from, int to) {
        return Arrays.copyOfRange(a, from, to);
    }

    @ParameterizedTest(name = "k={0} uneven={1} {2} {3} chunk={4}")
    @CsvSource({
        "1, false, RING_BIDIRECTIONAL, FLOAT64, 0",
        "2, false, RING_BIDIRECTIONAL, FLOAT64, 0",
        "3, true, RING_BIDIRECTIONAL, FLOAT64, 0",
        "4, true, RING_BIDIRECTIONAL, FLOAT64, 2",
        "8, true, RING_BIDIRECTIONAL, FLOAT64, 0",
        "8, false, RING_BIDIRECTIONAL, FLOAT32, 3",
        "3, true, RING, FLOAT64, 0",
        "4, true, RING, FLOAT32, 0",
        "8, true, RING, FLOAT64, 1",
        "1, false, ALL_GATHER, FLOAT64, 0",
        "3, true, ALL_GATHER, FLOAT64, 0",
        "8, true, ALL_GATHER, FLOAT32, 2",
        "4, false, ALL_GATHER, FLOAT64, 0",
    })
    void equalsFullBatchLossAndGradients(int k, boolean uneven, ShardedSigmoidLoss.Exchange exchange,
            DataType type, int chunk) {
        check(k, sizes(k, uneven), exchange, type, chunk, false);
    }

    @Test
    void multiHotLabelsAcrossShards() {
        check(3, new int[] {3, 5, 2}, ShardedSigmoidLoss.Exchange.RING_BIDIRECTIONAL, DataType.FLOAT64, 0, true);
        check(4, new int[] {1, 4, 2, 3}, ShardedSigmoidLoss.Exchange.RING, DataType.FLOAT64, 2, true);
        check(4, new int[] {1, 4, 2, 3}, ShardedSigmoidLoss.Exchange.ALL_GATHER, DataType.FLOAT32, 0, true);
    }

    private static void check(int k, int[] sizes, ShardedSigmoidLoss.Exchange exchange, DataType type, int chunk,
            boolean multiHot) {
        int n = Arrays.stream(sizes).sum();
        int d = 6;
        Random r = new Random(k * 100L + n);
        double[][] x = Reference.unitRows(r, n, d);
        double[][] y = Reference.unitRows(r, n, d);
        double[][] labels = null;
        if (multiHot) {
            labels = Reference.identity(n);
            for (int i = 0; i + 3 < n; i += 2) {
                labels[i][i + 3] = 1; // positives that cross shard boundaries
            }
        }
        double t = 2.0;
        double b = -4.0;
        SigmoidLossTest.Djl full = SigmoidLossTest.autograd(x, y, t, b, labels, type, SigmoidLossTest.FULL);
        double tol = type == DataType.FLOAT64 ? 1e-6 : 1e-5;
        ShardedSigmoidLoss loss = ShardedSigmoidLoss.builder().optExchange(exchange).optChunkSize(chunk).build();
        List<NDManager> devices = new ArrayList<>();
        try (NDManager home = NDManager.newBaseManager()) {
            List<NDArray> xs = new ArrayList<>();
            List<NDArray> ys = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < k; i++) {
                NDManager dev = NDManager.newBaseManager();
                devices.add(dev);
                xs.add(Reference.array(dev, rows(x, from, from + sizes[i]), type));
                ys.add(Reference.array(dev, rows(y, from, from + sizes[i]), type));
                from += sizes[i];
            }
            NDArray ta = Reference.scalarArray(home, t, type);
            NDArray ba = Reference.scalarArray(home, b, type);
            NDArray la = labels == null ? null : Reference.array(home, labels, DataType.FLOAT32);
            ShardedLossResult res = loss.compute(xs, ys, ta, ba, la);
            String what = "k=" + k + " " + exchange + " " + type;
            assertEquals(type, res.loss().getDataType());
            assertEquals(type, res.perDeviceLoss().get(0).getDataType());
            assertEquals(full.loss(), Reference.values(res.loss())[0], tol * full.loss(), what + " loss");
            double perDevice = res.perDeviceLoss().stream().mapToDouble(a -> Reference.values(a)[0]).sum();
            assertEquals(full.loss(), perDevice, tol * full.loss(), what + " sum of per-device losses");
            double[] gx = new double[0];
            double[] gy = new double[0];
            for (int i = 0; i < k; i++) {
                NDArray gxi = res.gradImageEmbeds().get(i);
                assertEquals(xs.get(i).getShape(), gxi.getShape());
                assertEquals(xs.get(i).getManager(), gxi.getManager(), "gradient lives with its shard");
                gx = concat(gx, Reference.values(gxi));
                gy = concat(gy, Reference.values(res.gradTextEmbeds().get(i)));
            }
            Reference.assertGrad(full.gx(), gx, tol, tol, what + " d/dx");
            Reference.assertGrad(full.gy(), gy, tol, tol, what + " d/dy");
            assertEquals(full.gt(), Reference.values(res.gradLogitScale())[0], tol * Math.abs(full.gt()) + 1e-12,
                    what + " d/dt'");
            assertEquals(full.gb(), Reference.values(res.gradLogitBias())[0], tol * Math.abs(full.gb()) + 1e-12,
                    what + " d/db");
        } finally {
            devices.forEach(NDManager::close);
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * The trainer's recipe under ONE GradientCollector: per-device towers (here: L2 normalisation
     * of raw features), sharded loss on the embeddings, then backward of sum(emb * grad) per device.
     * The raw-feature gradients must equal those of the full batch through autograd.
     */
    @Test
    void trainerRecipeGivesFullBatchTowerGradients() {
        int[] sizes = {3, 1, 4};
        int n = 8;
        int d = 5;
        Random r = new Random(42);
        double[][] fx = Reference.unitRows(r, n, d);
        double[][] fy = Reference.unitRows(r, n, d);
        for (double[] row : fx) {
            row[0] += 0.5; // not unit: the tower's normalisation matters
        }
        double[] fullGx;
        double[] fullGy;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ax = Reference.array(m, fx, DataType.FLOAT64);
            NDArray ay = Reference.array(m, fy, DataType.FLOAT64);
            ax.setRequiresGradient(true);
            ay.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(SigmoidLoss.sigmoidLoss(normalize(ax), normalize(ay),
                        Reference.scalarArray(m, 2.3, DataType.FLOAT64), Reference.scalarArray(m, -7, DataType.FLOAT64)));
            }
            fullGx = Reference.values(ax.getGradient());
            fullGy = Reference.values(ay.getGradient());
        }
        List<NDManager> devices = new ArrayList<>();
        try (NDManager home = NDManager.newBaseManager()) {
            List<NDArray> rawX = new ArrayList<>();
            List<NDArray> rawY = new ArrayList<>();
            int from = 0;
            for (int size : sizes) {
                NDManager dev = NDManager.newBaseManager();
                devices.add(dev);
                NDArray a = Reference.array(dev, rows(fx, from, from + size), DataType.FLOAT64);
                NDArray b = Reference.array(dev, rows(fy, from, from + size), DataType.FLOAT64);
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                rawX.add(a);
                rawY.add(b);
                from += size;
            }
            NDArray t = Reference.scalarArray(home, 2.3, DataType.FLOAT64);
            NDArray bias = Reference.scalarArray(home, -7, DataType.FLOAT64);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                List<NDArray> ex = new ArrayList<>();
                List<NDArray> ey = new ArrayList<>();
                for (int i = 0; i < sizes.length; i++) {
                    ex.add(normalize(rawX.get(i)));
                    ey.add(normalize(rawY.get(i)));
                }
                ShardedLossResult res = ShardedSigmoidLoss.builder().build().compute(ex, ey, t, bias);
                for (int i = 0; i < sizes.length; i++) {
                    gc.backward(res.towerSurrogate(i, ex.get(i), ey.get(i)));
                }
            }
            double[] gx = new double[0];
            double[] gy = new double[0];
            for (int i = 0; i < sizes.length; i++) {
                gx = concat(gx, Reference.values(rawX.get(i).getGradient()));
                gy = concat(gy, Reference.values(rawY.get(i).getGradient()));
            }
            Reference.assertGrad(fullGx, gx, 1e-6, 1e-6, "tower d/dx");
            Reference.assertGrad(fullGy, gy, 1e-6, 1e-6, "tower d/dy");
        } finally {
            devices.forEach(NDManager::close);
        }
    }

    private static NDArray normalize(NDArray a) {
        return a.div(a.norm(new int[] {1}, true));
    }

    /** The same code on real GPUs: needs more than one. */
    @Test
    void realGpus() {
        int gpus = Engine.getInstance().getGpuCount();
        Assumptions.assumeTrue(gpus > 1, "needs more than one GPU for a real multi-device check; this machine has "
                + gpus + " (the logical-device tests above cover the algorithm)");
        int k = gpus;
        Random r = new Random(1);
        int[] sizes = sizes(k, true);
        int n = Arrays.stream(sizes).sum();
        double[][] x = Reference.unitRows(r, n, 8);
        double[][] y = Reference.unitRows(r, n, 8);
        Reference.Result ref = Reference.sigmoidLoss(x, y, 2.0, -4, null, Double.POSITIVE_INFINITY);
        List<NDManager> devices = new ArrayList<>();
        try (NDManager home = NDManager.newBaseManager(Device.gpu(0))) {
            List<NDArray> xs = new ArrayList<>();
            List<NDArray> ys = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < k; i++) {
                NDManager dev = NDManager.newBaseManager(Device.gpu(i));
                devices.add(dev);
                xs.add(Reference.array(dev, rows(x, from, from + sizes[i]), DataType.FLOAT64));
                ys.add(Reference.array(dev, rows(y, from, from + sizes[i]), DataType.FLOAT64));
                from += sizes[i];
            }
            for (ShardedSigmoidLoss.Exchange ex : ShardedSigmoidLoss.Exchange.values()) {
                ShardedLossResult res = ShardedSigmoidLoss.builder().optExchange(ex).build().compute(xs, ys,
                        Reference.scalarArray(home, 2.0, DataType.FLOAT64), Reference.scalarArray(home, -4, DataType.FLOAT64));
                assertEquals(ref.loss(), Reference.values(res.loss())[0], 1e-9 * ref.loss());
                double[] gx = new double[0];
                for (int i = 0; i < k; i++) {
                    assertEquals(Device.gpu(i), res.gradImageEmbeds().get(i).getDevice());
                    gx = concat(gx, Reference.values(res.gradImageEmbeds().get(i)));
                }
                Reference.assertGrad(Reference.flat(ref.gx()), gx, 1e-9, 1e-9, ex + " d/dx");
            }
        } finally {
            devices.forEach(NDManager::close);
        }
    }

    @Test
    void rejectsMismatchedShards() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray t = m.create(new float[] {1});
            List<NDArray> xs = List.of(m.zeros(new ai.djl.ndarray.types.Shape(2, 3)));
            List<NDArray> ys = List.of(m.zeros(new ai.djl.ndarray.types.Shape(3, 3)));
            assertThrows(SiglipException.class, () -> ShardedSigmoidLoss.builder().build().compute(xs, ys, t, t));
            assertThrows(SiglipException.class, () -> ShardedSigmoidLoss.builder().build().compute(xs, List.of(), t, t));
        }
    }
}
