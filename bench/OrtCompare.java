/*
 * Two or more ONNX vision graphs on ONNX Runtime's Java API (the engine's runtime), alternated in
 * one JVM: bench/ort_compare.py's twin (docs/onnxruntime.md).
 *
 *   java -cp siglip-examples/target/siglip.jar bench/OrtCompare.java NAME=FILE.onnx 'NAME2=FILE.onnx|key=value;...'
 *
 * After '|': session config entries (session.intra_op.allow_spinning=0, ...) or threads=N. B, N
 * (calls per round) and PROF=1 (ONNX Runtime's profiler; sum with bench/ort_compare.py) from the
 * environment; 5 rounds, 2 intra-op threads, all graph optimisations.
 */
import ai.onnxruntime.*;
import java.nio.FloatBuffer;
import java.util.*;

public class OrtCompare {
    public static void main(String[] a) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int batch = Integer.parseInt(System.getenv().getOrDefault("B", "1"));
        int rounds = 5, iters = Integer.parseInt(System.getenv().getOrDefault("N", "10"));
        Map<String, OrtSession> s = new LinkedHashMap<>();
        for (String arg : a) {
            String[] kv = arg.split("=", 2);
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setIntraOpNumThreads(2);
            String[] pc = kv[1].split("\\|", 2);
            String cfg = pc.length > 1 ? pc[1] : "";
            for (String c : cfg.split(";")) if (!c.isEmpty()) { String[] p = c.split("=", 2);
                if (p[0].equals("threads")) o.setIntraOpNumThreads(Integer.parseInt(p[1]));
                else if (p[0].equals("seq")) o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                else o.addConfigEntry(p[0], p[1]); }
            if (System.getenv("PROF") != null) o.enableProfiling("/tmp/onnxperf/jprof-" + kv[0]);
            s.put(kv[0], env.createSession(pc[0], o));
        }
        float[] x = new float[batch * 3 * 224 * 224];
        Random r = new Random(1);
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        Map<String, List<Double>> res = new LinkedHashMap<>();
        for (var e : s.entrySet()) { for (int w = 0; w < 2; w++) call(env, e.getValue(), x, batch); res.put(e.getKey(), new ArrayList<>()); }
        for (int k = 0; k < rounds; k++) {
            for (var e : s.entrySet()) {
                double[] t = new double[iters];
                for (int i = 0; i < iters; i++) { long t0 = System.nanoTime(); call(env, e.getValue(), x, batch); t[i] = (System.nanoTime() - t0) / 1e6; }
                Arrays.sort(t); res.get(e.getKey()).add(t[iters / 2]);
            }
        }
        if (System.getenv("PROF") != null) for (var e : s.entrySet()) System.out.println("profile " + e.getKey() + " " + e.getValue().endProfiling());
        for (var e : res.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue()); Collections.sort(v);
            System.out.printf("%s: median %.2f ms/call (%.2f img/s) rounds %s%n", e.getKey(), v.get(2), batch * 1000 / v.get(2), e.getValue());
        }
    }
    static void call(OrtEnvironment env, OrtSession s, float[] x, int batch) throws OrtException {
        String in = s.getInputNames().iterator().next();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {batch, 3, 224, 224});
             OrtSession.Result r = s.run(Map.of(in, t))) {
            r.get(0);
        }
    }
}
