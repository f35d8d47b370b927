package org.siglip4j.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.model.SiglipLogits;
import org.siglip4j.loss.ShardedLossResult;
import org.siglip4j.loss.ShardedSigmoidLoss;
import org.siglip4j.loss.SigmoidLoss;

/**
 * Benchmark (a main, not a test): forward + backward of the full, chunked and k-shard sigmoid loss
 * for n in {256, 1024, 4096, 16384}, d = 768, float32, on this machine's CPU.
 *
 * <p>Time: wall clock of one forward+backward, best of 3 after one warm-up run (n = 16384: one
 * run, no warm-up).
 * Memory: before each run the kernel's peak-RSS counter is reset ({@code echo 5 >
 * /proc/self/clear_refs}), and after it the peak {@code VmHWM} minus the {@code VmRSS} before the run
 * is printed: the extra native + heap memory the run needed, inputs included. Run it with
 * {@code MALLOC_MMAP_THRESHOLD_=65536} so that glibc returns freed tensors to the OS (otherwise a
 * warm-up's freed memory stays resident and later runs look free).
 *
 * <p>Arguments: optional list of n values; {@code -Dbench.chunk} (default 1024), {@code -Dbench.k}
 * (default 4).
 */
public final class SigmoidLossBenchmark {
    private static final int D = 768;

    private SigmoidLossBenchmark() {}

    public static void main(String[] args) throws IOException {
        int[] ns = args.length > 0 ? java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {256, 1024, 4096, 16384};
        int chunk = Integer.getInteger("bench.chunk", 1024);
        int k = Integer.getInteger("bench.k", 4);
        System.out.printf("engine %s, threads %d, d=%d, float32, chunk=%d, k=%d logical CPU devices%n",
                Engine.getInstance().getEngineName(), Runtime.getRuntime().availableProcessors(), D, chunk, k);
        System.out.println("| n | form | fwd+bwd ms | peak extra RSS MiB |");
        System.out.println("|---|---|---|---|");
        for (int n : ns) {
            // measured: ~19 n x n float32 tensors alive at the peak of full forward+backward (n = 4096)
            long fullBytes = 19L * n * n * 4;
            if (fullBytes > 6L << 30) {
                System.out.printf("| %d | full | skipped | needs ~%d MiB (~19 n x n float32 tensors: logits, "
                        + "signs, softplus terms saved for backward, their gradients) |%n", n, fullBytes >> 20);
            } else {
                run(n, "full", () -> full(n));
            }
            run(n, "chunked(" + chunk + ")", () -> chunked(n, chunk));
            run(n, k + "-shard ring-bidir", () -> sharded(n, k, ShardedSigmoidLoss.Exchange.RING_BIDIRECTIONAL));
            run(n, k + "-shard all-gather", () -> sharded(n, k, ShardedSigmoidLoss.Exchange.ALL_GATHER));
        }
    }

    private static void run(int n, String form, Runnable body) throws IOException {
        if (n < 16384) {
            body.run(); // warm-up
        }
        System.gc();
        long before = status("VmRSS");
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        long ms = Long.MAX_VALUE;
        for (int rep = 0; rep < (n < 16384 ? 3 : 1); rep++) { // best of 3: the machine is shared
            long t0 = System.nanoTime();
            body.run();
            ms = Math.min(ms, (System.nanoTime() - t0) / 1_000_000);
        }
        long peak = status("VmHWM");
        System.out.printf("| %d | %s | %d | %d |%n", n, form, ms, (peak - before) >> 10);
    }

    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")); // kB
            }
        }
        throw new IllegalStateException(field + " not in /proc/self/status");
    }

    private static NDArray unitRows(NDManager m, int n) {
        NDArray a = m.randomNormal(new Shape(n, D));
        return a.div(a.norm(new int[] {1}, true));
    }

    private static void full(int n) {
        backwardOnce(n, SigmoidLoss::sigmoidLoss);
    }

    private static void chunked(int n, int chunk) {
        backwardOnce(n, (x, y, t, b) -> SigmoidLoss.chunkedLoss(x, y, t, b, null, chunk, Double.POSITIVE_INFINITY));
    }

    /** One loss over n random unit pairs at the paper's initial t' and b, and its backward. */
    private static void backwardOnce(int n, Loss loss) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = unitRows(m, n);
            NDArray y = unitRows(m, n);
            NDArray t = m.create(new float[] {(float) SiglipLogits.INIT_LOGIT_SCALE});
            NDArray b = m.create(new float[] {(float) SiglipLogits.INIT_LOGIT_BIAS});
            for (NDArray a : new NDArray[] {x, y, t, b}) {
                a.setRequiresGradient(true);
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(loss.of(x, y, t, b));
            }
            x.getGradient().getFloat(0, 0);
        }
    }

    /** A loss of embeddings x, y, log temperature t' and bias b. */
    private interface Loss {
        NDArray of(NDArray x, NDArray y, NDArray t, NDArray b);
    }

    private static void sharded(int n, int k, ShardedSigmoidLoss.Exchange exchange) {
        List<NDManager> devices = new ArrayList<>();
        try (NDManager home = NDManager.newBaseManager()) {
            List<NDArray> xs = new ArrayList<>();
            List<NDArray> ys = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                NDManager dev = NDManager.newBaseManager();
                devices.add(dev);
                int rows = n / k + (i < n % k ? 1 : 0);
                NDArray x = unitRows(dev, rows);
                NDArray y = unitRows(dev, rows);
                x.setRequiresGradient(true);
                y.setRequiresGradient(true);
                xs.add(x);
                ys.add(y);
            }
            NDArray t = home.create(new float[] {(float) Math.log(10)});
            NDArray b = home.create(new float[] {-10f});
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ShardedLossResult r = ShardedSigmoidLoss.builder().optExchange(exchange).build().compute(xs, ys, t, b);
                for (int i = 0; i < k; i++) {
                    gc.backward(r.towerSurrogate(i, xs.get(i), ys.get(i)));
                }
            }
            xs.get(0).getGradient().getFloat(0, 0);
        } finally {
            devices.forEach(NDManager::close);
        }
    }
}
