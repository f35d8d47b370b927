package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.util.List;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.nn.TorchLinear;

/**
 * The ceiling: a square float32 GEMM through the same engine, on both sides, twice: as a plain
 * matrix product (MKL in libtorch) and as the linear layer our towers call ({@link TorchLinear},
 * {@code F.linear} in the peer). The faster of our two is the rate the model rows are a fraction of.
 */
final class LinearCeilingRow implements BenchRow {
    @Override
    public void run(BenchRun run) {
        int n = run.options.quick() ? 512 : 2048;
        double flops = 2.0 * n * n * n;
        Rss.resetPeak();
        double best = 0;
        try (NDManager m = NDManager.newBaseManager(); GradMode off = GradMode.disabled()) {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            // the inference switch of the policy the run's models get (calibration and properties), read once
            boolean oneDnn = ComputePolicy.fromSystemProperties().oneDnnLinearNow();
            for (String op : List.of("gemm", "linear")) {
                Runnable ours = "gemm".equals(op) ? () -> a.matMul(b).close()
                        : () -> TorchLinear.linear(a, b, null, oneDnn).close();
                double[] t = run.alternate(k -> BenchRun.timeCalls(k, ours), run.peer == null ? null : k -> {
                    JsonObject req = BenchRun.req("gemm");
                    req.addProperty("n", n);
                    req.addProperty("iters", k);
                    req.addProperty("op", op);
                    return BenchRun.secs(run.peer.request(req));
                });
                double rate = flops / t[0] / 1e9;
                best = Math.max(best, rate);
                run.machine.put(op + "_gflops", rate);
                run.add(new Benchmark.Row(op, n + "x" + n, 1, "GFLOP/s", rate, flops / t[1] / 1e9, Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN, "-", BenchRun.note(t)));
            }
        }
        run.gemmOurs = best;
        run.machine.put("gemm_gflops", run.gemmOurs);
    }
}
