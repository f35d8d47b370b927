package org.siglip4j.examples.bench;

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.nn.MallocTuning;

/**
 * What the rows of one {@code siglip bench} run share: the options, the peer, the results so far
 * and the alternating timer. Each row family ({@link BenchRow}, {@link ModelRow}) takes it and
 * adds its {@link Benchmark.Row}s.
 */
final class BenchRun {
    /** A side of a comparison: runs {@code n} calls and returns the seconds of each. */
    interface Side {
        double[] time(int n);
    }

    /** What the peer reads as a row's input (written only when the outputs are compared). */
    interface PeerInput {
        Path write() throws IOException;
    }

    final Benchmark.Options options;
    final PrintWriter out;
    /** The Python peer, or null when it did not start. */
    final PeerProcess peer;
    /** A temporary folder for checkpoints and peer inputs, deleted at the end. */
    final Path work;
    final List<Benchmark.Row> rows = new ArrayList<>();
    final Map<String, Object> machine = new LinkedHashMap<>();
    /** The faster of our two GEMM rates (set by {@link LinearCeilingRow}), NaN before. */
    double gemmOurs = Double.NaN;

    BenchRun(Benchmark.Options options, PrintWriter out, PeerProcess peer, Path work) {
        this.options = options;
        this.out = out;
        this.peer = peer;
        this.work = work;
    }

    // ------------------------------------------------------------------ timing

    /**
     * One warm-up call per side (allocator, kernel selection), whose time sets the block size,
     * then alternating blocks: ours, peer, ours, peer ...
     *
     * @return median seconds per call [ours, peer (NaN without one)], alternations, calls per block
     */
    double[] alternate(Side ours, Side peerSide) {
        double first = ours.time(1)[0];
        if (peerSide != null) {
            peerSide.time(1);
        }
        double block = options.quick() ? 0.2 : 2.0;
        int k = (int) Math.max(1, Math.min(50, Math.ceil(block / first)));
        // a median needs at least three samples a side: blocks over 12 s alternate three times, only
        // blocks over 30 s (so400m at batch 8 and up) once
        int alternations = options.quick() ? 1 : first * k > 30 ? 1 : first * k > 12 ? 3 : 5;
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int i = 0; i < alternations; i++) {
            for (double s : ours.time(k)) {
                a.add(s);
            }
            if (peerSide != null) {
                for (double s : peerSide.time(k)) {
                    b.add(s);
                }
            }
        }
        return new double[] {median(a), b.isEmpty() ? Double.NaN : median(b), alternations, k};
    }

    static double[] timeCalls(int n, Runnable call) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            call.run();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        return s;
    }

    /** The peer's side of a row: {@code time} requests; null without a peer. */
    Side peerTimer(String row, Shape shape, JsonObject extra) {
        if (peer == null) {
            return null;
        }
        return k -> {
            JsonObject req = req("time");
            req.addProperty("row", row);
            req.addProperty("iters", k);
            if (shape != null) {
                req.add("shape", shapeJson(shape));
            }
            if (extra != null) {
                extra.entrySet().forEach(e -> req.add(e.getKey(), e.getValue()));
            }
            return secs(peer.request(req));
        };
    }

    /** One peer call on {@code input}; its output as float32. */
    float[] peerRun(String row, Path input, Shape shape, JsonObject extra) throws IOException {
        Path f = work.resolve("peer-out.bin");
        JsonObject req = req("run");
        req.addProperty("row", row);
        req.addProperty("out", f.toString());
        if (input != null) {
            req.addProperty("in", input.toString());
        }
        if (shape != null) {
            req.add("shape", shapeJson(shape));
        }
        if (extra != null) {
            extra.entrySet().forEach(e -> req.add(e.getKey(), e.getValue()));
        }
        peer.request(req);
        ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(v);
        return v;
    }

    /** With {@code --profile}: one more call under libtorch's profiler, its trace and top operators. */
    void profile(String name, Runnable call) throws IOException {
        if (options.profileDir() == null) {
            return;
        }
        Path trace = options.profileDir().resolve(name + ".json");
        OpProfile.record(trace, call);
        out.println("  profile " + trace + " (self time by operator):");
        out.print(OpProfile.format(OpProfile.summarize(trace), 8));
        out.flush();
    }

    // ------------------------------------------------------------------ results

    void add(Benchmark.Row r) {
        rows.add(r);
        out.printf(Locale.ROOT, "%-10s %-22s batch %3d: siglip4j %10.2f %s, PyTorch %10.2f, ratio %5.2f, RSS %s/%s MiB, %s; %s%n",
                r.row(), r.model(), r.batch(), r.ours(), r.unit(), r.peer(), r.ratio(), Benchmark.Report.mib(r.oursRssMib()),
                Benchmark.Report.mib(r.peerRssMib()), r.check(), r.note());
        out.flush();
    }

    Benchmark.Row failed(String row, String model, int batch, String unit, String verdict) {
        return new Benchmark.Row(row, model, batch, unit, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                oursPeakMib(), peerPeakMib(), verdict, "not timed: outputs disagree");
    }

    /** "onnxruntime int8; " when the towers do not run on the default engine, else "". */
    String engineNote() {
        ExecutionPolicy p = options.policy();
        return p.equals(ExecutionPolicy.DEFAULT) ? "" : p.engine().label() + " " + p.quantization().label() + "; ";
    }

    static String note(double[] t) {
        return String.format(Locale.ROOT, "%d x %d calls per side", (int) t[2], (int) t[3]);
    }

    // ------------------------------------------------------------------ memory

    void resetPeaks() {
        // garbage and freed-but-kept memory of the previous row are not this row's memory: a full
        // GC lets G1 give unused heap back, malloc_trim gives back what glibc keeps for reuse
        // (MallocTuning); the peer runs gc.collect() and malloc_trim at the same point
        System.gc();
        MallocTuning.releaseFreeMemory();
        Rss.resetPeak();
        if (peer != null) {
            peer.request("reset_peak");
        }
    }

    static double oursPeakMib() {
        long k = Rss.peakKib();
        return k < 0 ? Double.NaN : k / 1024.0;
    }

    double peerPeakMib() {
        return peer == null ? Double.NaN : peer.request("rss").get("peak_kib").getAsLong() / 1024.0;
    }

    // ------------------------------------------------------------------ the peer's wire format

    static JsonObject req(String cmd) {
        JsonObject r = new JsonObject();
        r.addProperty("cmd", cmd);
        return r;
    }

    static JsonArray shapeJson(Shape s) {
        JsonArray a = new JsonArray();
        for (long d : s.getShape()) {
            a.add(d);
        }
        return a;
    }

    static double[] secs(JsonObject res) {
        JsonArray a = res.getAsJsonArray("secs");
        double[] s = new double[a.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = a.get(i).getAsDouble();
        }
        return s;
    }

    static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static float[] randomFloats(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    Path writeFloats(float[] v) throws IOException {
        ByteBuffer bb = littleEndian(v.length * Float.BYTES);
        bb.asFloatBuffer().put(v);
        return writeInput(bb);
    }

    Path writeLongs(long[] v) throws IOException {
        ByteBuffer bb = littleEndian(v.length * Long.BYTES);
        bb.asLongBuffer().put(v);
        return writeInput(bb);
    }

    private static ByteBuffer littleEndian(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The peer's input file: raw little-endian values, as the peer script reads them. */
    private Path writeInput(ByteBuffer bb) throws IOException {
        Path f = work.resolve("input.bin");
        Files.write(f, bb.array());
        return f;
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted((x, y) -> y.getNameCount() - x.getNameCount()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
