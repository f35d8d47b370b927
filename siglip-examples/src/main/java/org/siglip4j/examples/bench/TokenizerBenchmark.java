package org.siglip4j.examples.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

/**
 * Texts per second of the two encoders on {@code siglip bench}'s tokenizer corpus (1024 texts: the
 * fixture's 19 texts with " i" appended, round robin): the Rust {@code tokenizers} library
 * (DJL's {@code HuggingFaceTokenizer} on {@code tokenizer.json}, {@code batchEncode}) and the pure-Java slow-tokenizer encoder, batch call and
 * one text a call. Prints numbers only, asserts nothing. Not a test; run with
 * {@code java -cp siglip-examples/target/siglip.jar org.siglip4j.examples.bench.TokenizerBenchmark [SECONDS] [DIR]}
 * from the repository root.
 */
public final class TokenizerBenchmark {
    private TokenizerBenchmark() {}

    /** Entry point: optional seconds per measurement (default 3) and model folder (default the fixture). */
    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
        Path dir = args.length > 1 ? Path.of(args[1]) : Benchmark.FIXTURE;
        List<String> texts = TokenizerRow.corpus(dir);
        try (SiglipTokenizer java = SiglipTokenizer.load(dir);
                HuggingFaceTokenizer rust = HuggingFaceTokenizer.builder().optTokenizerPath(dir.resolve("tokenizer.json"))
                        .optMaxLength(java.maxLength()).optPadToMaxLength().optTruncation(true).build()) {
            String[] batch = texts.toArray(new String[0]);
            Encoding[] a = rust.batchEncode(batch);
            long[][] b = java.encode(texts);
            int differ = 0;
            for (int i = 0; i < a.length; i++) {
                differ += Arrays.equals(a[i].getIds(), b[i]) ? 0 : 1;
            }
            System.out.printf(Locale.ROOT, "%d texts, %d rows differ between the two encoders, %d cores%n",
                    texts.size(), differ, Runtime.getRuntime().availableProcessors());
            report("rust batchEncode", texts.size(), seconds, () -> rust.batchEncode(batch));
            report("java batch", texts.size(), seconds, () -> java.encode(texts));
            report("java one text a call", texts.size(), seconds, () -> {
                for (String t : texts) {
                    java.encode(List.of(t));
                }
            });
        }
    }

    /**
     * Best of 5 rounds of wall time, and for the calling thread texts per second of its CPU time
     * (meaningful for the single-thread runs; steadier than wall time on a shared machine).
     */
    private static void report(String what, int n, double seconds, Runnable call) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmEnd) {
            call.run();
        }
        double best = 0;
        double bestCpu = 0;
        for (int round = 0; round < 5; round++) {
            int calls = 0;
            long t0 = System.nanoTime();
            long c0 = mx.getCurrentThreadCpuTime();
            long end = t0 + (long) (seconds / 5 * 1e9);
            long t;
            do {
                call.run();
                calls++;
                t = System.nanoTime();
            } while (t < end);
            best = Math.max(best, calls * (double) n / ((t - t0) / 1e9));
            bestCpu = Math.max(bestCpu, calls * (double) n / ((mx.getCurrentThreadCpuTime() - c0) / 1e9));
        }
        System.out.printf(Locale.ROOT, "%-18s %,12.0f texts/s wall, %,12.0f per CPU second of the calling thread "
                + "(best of 5 rounds)%n", what, best, bestCpu);
    }
}
