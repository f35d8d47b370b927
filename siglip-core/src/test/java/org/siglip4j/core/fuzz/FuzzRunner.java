package org.siglip4j.core.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.siglip4j.core.testing.ChildJvm;

/**
 * Runs structure-aware fuzz cases in child JVMs, so that what cannot be caught in-process is
 * still seen and counted: a JVM abort (a native panic or crash: the child dies by a signal or
 * leaves an {@code hs_err} file), a hang (no result within the per-case time limit: the child is
 * killed), an escape (any exception other than {@code SiglipException}, OutOfMemoryError under the
 * child's {@code -Xmx} included), and the peak memory of each case against 4 x the input size plus
 * the model it loads. After an abort or a hang the next child resumes at the following case.
 *
 * <p>Long run (documented in docs/reliability.md): {@code scripts/fuzz-long.sh [CASES_PER_KIND]},
 * which runs {@code java -cp <siglip-train test class path> org.siglip4j.core.fuzz.FuzzRunner
 * --kinds org.siglip4j.core.fuzz.HostileFiles,org.siglip4j.train.data.HostileTrainFiles
 * --cases 10000 --batch 500 --timeout 30 --xmx 1g --seed 17}.
 */
public final class FuzzRunner {
    /** Memory every case may use beyond its bound for allocator and JIT noise. */
    static final long MEMORY_SLACK = 64L << 20;

    /**
     * What one kind's run found.
     *
     * @param kind the kind
     * @param cases cases run
     * @param accepted accepted cleanly
     * @param rejected rejected with a one-line SiglipException
     * @param failures aborts, hangs, escapes and cases over the memory bound, one line each
     * @param aborts child JVMs that died in a case
     * @param hangs cases over the time limit
     * @param escapes exceptions other than SiglipException
     * @param overMemory cases whose peak passed 4 x input + model + slack
     * @param maxPeakBytes largest peak of one case
     * @param maxInputBytes largest input
     * @param seconds wall time
     */
    public record KindReport(String kind, long cases, long accepted, long rejected, List<String> failures, int aborts,
            int hangs, int escapes, int overMemory, long maxPeakBytes, long maxInputBytes, double seconds) {
        /** A markdown table row. */
        public String row() {
            return String.format(Locale.ROOT, "| %s | %,d | %,d / %,d | %d | %d | %d | %d | %.1f MB | %.1f MB | %.0f s |",
                    kind, cases, accepted, rejected, aborts, hangs, escapes, overMemory, maxPeakBytes / 1e6,
                    maxInputBytes / 1e6, seconds);
        }
    }

    private FuzzRunner() {}

    /**
     * The generator of case {@code i}: seeds are mixed first, because {@code java.util.Random}s
     * made from consecutive seeds start with nearly the same numbers (every case would take the
     * same first branch).
     */
    static Random random(long seed, long i) {
        long z = (seed + i) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    /** Loads a kind by name from a provider class with a static {@code kinds()} method. */
    @SuppressWarnings("unchecked")
    static HostileKind kind(String provider, String name) throws ReflectiveOperationException {
        for (HostileKind k : (List<HostileKind>) Class.forName(provider).getMethod("kinds").invoke(null)) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("no kind " + name + " in " + provider);
    }

    /**
     * Runs {@code cases} cases of one kind in children of {@code batch} cases each.
     *
     * @param provider class with a static {@code List<HostileKind> kinds()}
     * @param kind the kind's name
     * @param cases number of cases
     * @param batch cases per child JVM
     * @param timeoutSeconds per-case limit
     * @param xmx the child's {@code -Xmx}
     * @param seed base seed; case {@code i} is generated from {@code seed + i}
     * @param work scratch folder
     * @return the report
     */
    public static KindReport run(String provider, String kind, long cases, long batch, int timeoutSeconds, String xmx,
            long seed, Path work) throws IOException, InterruptedException, ReflectiveOperationException {
        HostileKind k = kind(provider, kind);
        long start = System.nanoTime();
        List<String> failures = new ArrayList<>();
        long[] n = new long[4]; // accepted, rejected, maxPeak, maxInput
        int aborts = 0;
        int hangs = 0;
        int escapes = 0;
        int overMemory = 0;
        long next = 0;
        while (next < cases) {
            long count = Math.min(batch, cases - next);
            Path childWork = Files.createDirectories(work.resolve(kind.replaceAll("[^A-Za-z0-9.]", "_") + "-" + next));
            Path errorFile = childWork.resolve("hs_err.log");
            ChildJvm child = ChildJvm.start(List.of("-Xmx" + xmx, "-Xss1m", "-XX:ErrorFile=" + errorFile,
                    "-XX:-UsePerfData"), ChildFuzz.class, provider, kind, Long.toString(next), Long.toString(count),
                    Long.toString(seed), childWork.toString());
            long running = -1;
            boolean done = false;
            // the first line waits for the JVM, the engine and the warm-up cases too
            double wait = timeoutSeconds + 60;
            try {
                while (!done) {
                    String line = child.nextLine(wait);
                    wait = timeoutSeconds;
                    if (line == null) {
                        long at = running >= 0 ? running : next;
                        if (child.process().isAlive()) {
                            hangs++;
                            failures.add(save(k, seed, at, "hang: no result within " + timeoutSeconds + " s"));
                            child.kill();
                        } else {
                            aborts++;
                            int code = child.process().exitValue();
                            failures.add(save(k, seed, at, "abort: child exited with " + code
                                    + (code > 128 ? " (signal " + (code - 128) + ")" : "")
                                    + (Files.exists(errorFile) ? ", " + errorFile : "") + "; last output "
                                    + child.drain()));
                        }
                        next = at + 1;
                        break;
                    }
                    if (line.startsWith("B ")) {
                        running = Long.parseLong(line.substring(2).trim());
                    } else if (line.startsWith("E ")) {
                        String[] f = line.substring(2).split("\t");
                        String[] head = f[0].split(" ", 2);
                        long i = Long.parseLong(head[0]);
                        String outcome = head[1];
                        long peak = Long.parseLong(f[1]);
                        long input = Long.parseLong(f[2]);
                        n[2] = Math.max(n[2], peak);
                        n[3] = Math.max(n[3], input);
                        if (outcome.equals("ok")) {
                            n[0]++;
                        } else if (outcome.equals("rejected")) {
                            n[1]++;
                        } else {
                            escapes++;
                            failures.add(save(k, seed, i, outcome));
                        }
                        if (peak > 4 * input + k.modelBytes() + MEMORY_SLACK) {
                            overMemory++;
                            failures.add(save(k, seed, i, String.format(Locale.ROOT,
                                    "memory: peak %.1f MB for a %.1f MB input (bound 4 x input + %.1f MB model + %d MB)",
                                    peak / 1e6, input / 1e6, k.modelBytes() / 1e6, MEMORY_SLACK >> 20)));
                        }
                        running = -1;
                        next = i + 1;
                    } else if (line.equals("DONE")) {
                        done = true;
                    }
                }
            } finally {
                child.close();
            }
        }
        return new KindReport(kind, cases, n[0], n[1], failures, aborts, hangs, escapes, overMemory, n[2], n[3],
                (System.nanoTime() - start) / 1e9);
    }

    private static String save(HostileKind k, long seed, long i, String what) {
        String msg = k.name() + " case " + i + " (seed " + (seed + i) + "): " + what;
        try {
            Path dir = Files.createDirectories(Path.of("target", "fuzz-failures"));
            Path f = dir.resolve(k.name().replaceAll("[^A-Za-z0-9.]", "_") + "-" + (seed + i) + ".bin");
            Files.write(f, k.generate(random(seed, i)));
            msg += " (input: " + f.toAbsolutePath() + ")";
        } catch (IOException | RuntimeException e) {
            msg += " (input not saved: " + e + ")";
        }
        return msg;
    }

    /**
     * Command line: {@code --kinds P1,P2 --cases N --batch B --timeout S --xmx SIZE --seed S
     * [--only KIND,...]}; prints a markdown table and every failure; exits 1 if anything failed.
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--cases", "10000", "--batch", "500", "--timeout", "30",
                "--xmx", "1g", "--seed", "17", "--kinds", HostileFiles.class.getName(), "--only", ""));
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i], args[i + 1]);
        }
        Path work = Files.createTempDirectory("siglip-fuzz");
        List<KindReport> reports = new ArrayList<>();
        List<String> only = o.get("--only").isEmpty() ? List.of() : List.of(o.get("--only").split(","));
        for (String provider : o.get("--kinds").split(",")) {
            @SuppressWarnings("unchecked")
            List<HostileKind> kinds = (List<HostileKind>) Class.forName(provider).getMethod("kinds").invoke(null);
            for (HostileKind k : kinds) {
                if (!only.isEmpty() && !only.contains(k.name())) {
                    continue;
                }
                KindReport r = run(provider, k.name(), Long.parseLong(o.get("--cases")), Long.parseLong(o.get("--batch")),
                        Integer.parseInt(o.get("--timeout")), o.get("--xmx"), Long.parseLong(o.get("--seed")), work);
                System.out.println(r.row());
                r.failures().forEach(f -> System.out.println("  " + f));
                reports.add(r);
            }
        }
        System.out.println();
        System.out.println("| kind | cases | accepted / rejected | aborts | hangs | escapes | over memory bound"
                + " | max peak of a case | largest input | time |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        reports.forEach(r -> System.out.println(r.row()));
        System.exit(reports.stream().allMatch(r -> r.failures().isEmpty()) ? 0 : 1);
    }
}
