package org.siglip4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.siglip4j.examples.bench.Benchmark;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code siglip bench}: throughput and memory side by side with PyTorch eager. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark siglip4j against the same model in PyTorch eager (bench/peer.py), alternating "
                + "the two in one run, with random weights (nothing is downloaded).",
            "Prints images/s, texts/s, pairs/s, the ratio ours/PyTorch, the fraction of the measured GEMM rate "
                + "and peak RSS per row. See docs/performance.md."})
final class BenchCommand extends SiglipCommand {
    private static final List<String> ROWS = List.of("vision", "text", "tokenizer", "preprocess", "train", "memory");
    /** Rows run only when named: the train step with gradient checkpointing on both sides. */
    private static final List<String> EXTRA_ROWS = List.of("train-ckpt");

    @Option(names = "--rows", split = ",", paramLabel = "ROW",
            description = "Rows to run (default: all but train-ckpt): ${COMPLETION-CANDIDATES}.",
            completionCandidates = RowNames.class)
    List<String> rows = ROWS;

    @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads on both sides (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch, numpy, sentencepiece and PIL for the peer (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--no-peer", description = "Run siglip4j only.")
    boolean noPeer;

    @Option(names = "--peer", defaultValue = "bench/peer.py", description = "The peer script (default: ${DEFAULT-VALUE}).")
    Path peerScript;

    @Option(names = "--assets", defaultValue = "siglip-core/src/test/resources/siglip-tiny",
            description = "Model folder whose tokenizer, texts and model the tokenizer, memory and tiny rows use "
                    + "(default: ${DEFAULT-VALUE}).")
    Path assets;

    @Option(names = "--presets", split = ",", paramLabel = "PRESET",
            description = "Presets for the tower rows, or 'tiny' for the assets model "
                    + "(default: base-patch16-224,so400m-patch14-384; --quick: tiny).")
    List<String> presets;

    @Option(names = "--batches", defaultValue = "1,8,32", description = "Vision batch sizes (default: ${DEFAULT-VALUE}).")
    String batches;

    @Option(names = "--large-batches", defaultValue = "1,8",
            description = "Vision batch sizes for presets over 100 GFLOP per image (default: ${DEFAULT-VALUE}).")
    String largeBatches;

    @Option(names = "--train-batches", defaultValue = "8,32",
            description = "Training batch sizes, first preset only (default: ${DEFAULT-VALUE}).")
    String trainBatches;

    @Option(names = "--memory-calls", defaultValue = "10000",
            description = "Zero-shot calls of the memory row (default: ${DEFAULT-VALUE}; --quick: 500).")
    int memoryCalls;

    @Option(names = "--quick", description = "A short smoke run: tiny model, small GEMM, one alternation.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** The engine of the tower rows (training runs on PyTorch). */
    @Mixin
    EngineOptions engineOptions;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "After timing each vision/text/train row, profile one more call with libtorch's profiler: "
                    + "a Chrome trace per row in DIR (chrome://tracing) and the top operators by self time.")
    Path profile;

    @Override
    public Integer call() throws Exception {
        Set<String> selected = new LinkedHashSet<>(rows);
        for (String r : selected) {
            if (!ROWS.contains(r) && !EXTRA_ROWS.contains(r)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown row '" + r + "'; known: " + ROWS
                        + " and " + EXTRA_ROWS);
            }
        }
        if (!Files.isDirectory(assets)) {
            throw new SiglipException("assets folder " + assets + " not found: run from the repository root or pass "
                    + "--assets (a model folder with spiece.model/tokenizer.json and inputs/texts.json)");
        }
        // read by DJL's PyTorch engine when it starts, so they must be set before any NDArray exists
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        List<String> p = presets != null ? presets : quick ? List.of(Benchmark.TINY)
                : List.of("base-patch16-224", "so400m-patch14-384");
        Benchmark.Options o = new Benchmark.Options(selected, threads, noPeer ? null : python, peerScript, assets, p,
                quick ? List.of(1, 2) : Benchmark.intsOf(batches), quick ? List.of(1) : Benchmark.intsOf(largeBatches),
                quick ? List.of(2) : Benchmark.intsOf(trainBatches), quick && memoryCalls == 10000 ? 500 : memoryCalls,
                quick, profile, engineOptions.policy());
        Benchmark.Report r = Benchmark.run(o, spec.commandLine().getOut());
        if (json != null) {
            Files.writeString(json, r.toJson());
        }
        return 0;
    }

    /** The row names for the help text. */
    static final class RowNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.stream.Stream.concat(ROWS.stream(), EXTRA_ROWS.stream()).iterator();
        }
    }
}
