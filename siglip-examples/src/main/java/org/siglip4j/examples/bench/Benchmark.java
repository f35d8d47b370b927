package org.siglip4j.examples.bench;

import ai.djl.engine.Engine;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.nn.CalibrationCache;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.MallocTuning;

/**
 * Runs the benchmark rows: for each, one warm-up call per side, then blocks of calls alternating
 * siglip4j and the PyTorch peer (A B A B ...), and reports the medians of the per-call times.
 * Outputs are compared before anything is timed; a row whose outputs disagree is reported as
 * failing and is not timed. Peak RSS is per row ({@link Rss#resetPeak()} before it).
 */
public final class Benchmark {
    /** "tiny": the model of the assets folder instead of a preset. */
    public static final String TINY = "tiny";
    /** The tiny fixture model folder, relative to the repository root (the mains' default assets). */
    static final Path FIXTURE = Path.of("siglip-core/src/test/resources/siglip-tiny");

    /**
     * What to run.
     *
     * @param rows any of vision, text, tokenizer, preprocess, train, memory
     * @param threads intra-op threads on both sides
     * @param python interpreter for the peer; null skips the peer
     * @param peerScript {@code bench/peer.py}
     * @param assets a model folder with tokenizer files and {@code inputs/texts.json} (the tiny fixture)
     * @param presets preset names (or {@link #TINY}) for the tower rows
     * @param batches vision batch sizes
     * @param largeBatches vision batch sizes for presets over 100 GFLOP per image
     * @param trainBatches training batch sizes (first preset only)
     * @param memoryCalls zero-shot calls of the memory row
     * @param quick short blocks, one alternation
     * @param profileDir where to write one profiled call per vision/text row (Chrome traces), or null
     * @param policy the engine the tower rows run on (training always runs on PyTorch)
     */
    public record Options(Set<String> rows, int threads, String python, Path peerScript, Path assets,
            List<String> presets, List<Integer> batches, List<Integer> largeBatches, List<Integer> trainBatches,
            int memoryCalls, boolean quick, Path profileDir, ExecutionPolicy policy) {}

    /**
     * One result line.
     *
     * @param row row name
     * @param model preset or "-"
     * @param batch items per call
     * @param unit what is counted per second
     * @param ours items per second (median), NaN if not run
     * @param peer PyTorch items per second (median), NaN if the peer did not run
     * @param oursGemm fraction of our GEMM rate (model rows), NaN otherwise
     * @param peerGemm fraction of our GEMM rate reached by the peer, NaN otherwise
     * @param oursRssMib peak RSS of this JVM during the row
     * @param peerRssMib peak RSS of the peer during the row
     * @param check the output comparison ("max|diff| 2e-6", "ids equal", "FAIL ...", "not checked")
     * @param note anything else (alternations, calls per block, growth)
     */
    public record Row(String row, String model, int batch, String unit, double ours, double peer, double oursGemm,
            double peerGemm, double oursRssMib, double peerRssMib, String check, String note) {
        /** ours / PyTorch, NaN without the peer. */
        public double ratio() {
            return ours / peer;
        }
    }

    private Benchmark() {}

    /**
     * Runs every selected row family and prints the table: the linear-rate ceiling first, then the
     * model rows preset by preset (text and training rows on the first preset only), then the
     * tokenizer, preprocessing and memory rows.
     *
     * @param o options
     * @param out where progress and the table go
     * @return the rows and a description of the machine
     */
    public static Report run(Options o, PrintWriter out) throws IOException {
        Path work = Files.createTempDirectory("siglip-bench");
        PeerProcess peer = null;
        if (o.python() == null) {
            out.println("peer: skipped (no --python)");
        } else {
            try {
                peer = PeerProcess.start(o.python(), o.peerScript(), o.threads());
            } catch (SiglipException e) {
                out.println("peer: skipped, PyTorch rows not run: " + e.getMessage());
            }
        }
        out.flush();
        BenchRun run = new BenchRun(o, out, peer, work);
        try {
            describeMachine(run);
            for (BenchRow row : rows(o)) {
                row.run(run);
            }
        } finally {
            if (peer != null) {
                peer.close();
            }
            BenchRun.deleteTree(work);
        }
        Report r = new Report(run.machine, run.gemmOurs, List.copyOf(run.rows));
        out.println();
        out.print(r.table());
        out.flush();
        return r;
    }

    /** The row families the options select, in the order they run. */
    static List<BenchRow> rows(Options o) {
        List<BenchRow> rows = new ArrayList<>();
        rows.add(new LinearCeilingRow());
        for (int p = 0; p < o.presets().size(); p++) {
            boolean first = p == 0;
            List<ModelRow> modelRows = new ArrayList<>();
            if (o.rows().contains("vision")) {
                modelRows.add(InferenceRow.vision(o.batches(), o.largeBatches()));
            }
            if (first && o.rows().contains("text")) {
                modelRows.add(InferenceRow.text(32));
            }
            if (first && o.rows().contains("train")) {
                modelRows.add(TrainRow.plain(o.trainBatches()));
            }
            if (first && o.rows().contains("train-ckpt")) {
                modelRows.add(TrainRow.checkpointed(o.trainBatches()));
            }
            rows.add(new PresetRows(o.presets().get(p), modelRows));
        }
        if (o.rows().contains("tokenizer")) {
            rows.add(new TokenizerRow());
        }
        if (o.rows().contains("preprocess")) {
            rows.add(new PreprocessRow());
        }
        if (o.rows().contains("memory")) {
            rows.add(new MemoryRow());
        }
        return rows;
    }

    /**
     * Everything a run found.
     *
     * @param machine CPU, cores, threads, versions
     * @param gemmGflops our GEMM rate
     * @param rows result lines
     */
    public record Report(Map<String, Object> machine, double gemmGflops, List<Row> rows) {
        /** The results as a JSON document. */
        public String toJson() {
            Gson g = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
            return g.toJson(this);
        }

        /** The results as a Markdown table. */
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append("| row | model | batch | unit | siglip4j | PyTorch | ratio | % GEMM (ours / PyTorch) "
                    + "| peak RSS MiB (ours / PyTorch) | outputs | notes |\n");
            sb.append("|---|---|---:|---|---:|---:|---:|---:|---:|---|---|\n");
            for (Row r : rows) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        r.row(), r.model(), r.batch(), r.unit(), num(r.ours()), num(r.peer()),
                        Double.isNaN(r.ratio()) ? "-" : String.format(Locale.ROOT, "%.2f", r.ratio()),
                        pct(r.oursGemm()) + " / " + pct(r.peerGemm()),
                        mib(r.oursRssMib()) + " / " + mib(r.peerRssMib()), r.check(), r.note()));
            }
            return sb.toString();
        }

        private static String num(double v) {
            if (Double.isNaN(v)) {
                return "-";
            }
            return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
        }

        private static String pct(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
        }

        static String mib(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
        }
    }

    private static void describeMachine(BenchRun run) {
        String cpu = cpuModel();
        run.machine.put("cpu", cpu);
        run.machine.put("cores", Runtime.getRuntime().availableProcessors());
        run.machine.put("threads", run.options.threads());
        run.machine.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        run.machine.put("java", System.getProperty("java.version"));
        String preload = System.getenv().getOrDefault("LD_PRELOAD", "");
        run.machine.put("ld_preload", preload.isEmpty() ? "-" : preload);
        run.machine.put("malloc", MallocTuning.apply().detail());
        // the policy every model of this run is built with: the cached calibration, if any, under the properties
        ComputePolicy compute = ComputePolicy.fromSystemProperties();
        String source = CalibrationCache.forThisMachine().map(c -> "calibrated for " + c.model() + ", "
                + CalibrationCache.dir().resolve(c.machine().fileName())).orElse("built-in defaults, no calibration");
        run.machine.put("compute", compute.describe());
        run.machine.put("compute_source", source);
        run.out.println("compute: " + compute.describe() + " (" + source + ")");
        if (!run.options.policy().equals(ExecutionPolicy.DEFAULT)) {
            run.machine.put("towers_on", run.engineNote().replace("; ", ""));
        }
        if (cpu.contains("AMD") && !preload.contains("mklamdshim")) {
            // the oneMKL in libtorch runs its generic kernels on AMD CPUs (docs/performance.md)
            run.out.println("note: AMD CPU without bench/libmklamdshim.so preloaded: the engine's matrix products run "
                    + "MKL's generic path; see scripts/build-mkl-amd-shim.sh, and 'siglip calibrate' for the oneDNN path");
        }
        if (run.peer != null) {
            run.machine.put("peer", run.peer.hello().toString());
        }
        run.out.println("machine: " + run.machine);
        run.out.flush();
    }

    /** Relative agreement: max |ours - peer| over max |peer| must stay under 1e-4. */
    static String compare(float[] ours, float[] ref) {
        if (ours.length != ref.length) {
            return "FAIL: " + ours.length + " values vs " + ref.length;
        }
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < ours.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(ours[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = maxDiff / Math.max(maxRef, 1e-12);
        String s = String.format(Locale.ROOT, "max|diff| %.1e (rel %.1e)", maxDiff, rel);
        return rel <= 1e-4 ? s : "FAIL: " + s;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
        return System.getProperty("os.arch");
    }

    /** Parses "1,8,32". */
    public static List<Integer> intsOf(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(Integer::valueOf)
                .toList();
    }
}
