package org.siglip4j.core.fuzz;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.siglip4j.core.SiglipException;

/**
 * Runs a fuzz target over seeded mutated inputs and collects every contract violation: an
 * exception other than {@link SiglipException} (or one the target documents), an exception with
 * an empty message, any {@link Error} (OutOfMemoryError, StackOverflowError), an input that takes
 * longer than the per-input timeout, or one that allocates more Java heap than the target's bound
 * (measured per input with {@code ThreadMXBean.getCurrentThreadAllocatedBytes}, so a lying length
 * field that allocates before it is checked is caught even when the heap happens to be big enough).
 *
 * <p>The number of inputs per target is {@value #DEFAULT_ITERATIONS} in the normal build; a long
 * run sets {@code -Dsiglip.fuzz.iterations=1000000} (and optionally {@code -Dsiglip.fuzz.seed=N}).
 * A failing input is written to {@code target/fuzz-failures/} for reproduction.
 */
public final class FuzzHarness {
    /** Inputs per target in the normal build. */
    public static final int DEFAULT_ITERATIONS = 10_000;

    /** What a target does with one input; any return value is ignored. */
    @FunctionalInterface
    public interface Target {
        /** Runs the code under test on one input. */
        void run(byte[] input) throws Exception;
    }

    /**
     * The outcome of a run.
     *
     * @param name the target
     * @param inputs inputs run
     * @param accepted inputs the target accepted without an exception
     * @param rejected inputs rejected with a documented exception
     * @param maxAllocatedBytes the largest heap allocation of one input
     * @param seconds wall time
     * @param failures descriptions of contract violations (empty when all is well)
     */
    public record Report(String name, int inputs, int accepted, int rejected, long maxAllocatedBytes, double seconds,
            List<String> failures) {
        @Override
        public String toString() {
            return String.format("fuzz %-28s %,9d inputs: %,8d accepted, %,8d rejected cleanly, %d failures; "
                    + "max %,d bytes allocated by one input; %.1f s", name, inputs, accepted, rejected, failures.size(),
                    maxAllocatedBytes, seconds);
        }
    }

    private FuzzHarness() {}

    /** Inputs per target: {@code siglip.fuzz.iterations} or {@link #DEFAULT_ITERATIONS}. */
    public static int iterations() {
        return Integer.getInteger("siglip.fuzz.iterations", DEFAULT_ITERATIONS);
    }

    /** Base seed: {@code siglip.fuzz.seed} or a fixed default so CI runs are reproducible. */
    public static long seed() {
        return Long.getLong("siglip.fuzz.seed", 20240611L);
    }

    /**
     * Fuzzes a target.
     *
     * @param name the target, for messages and failure file names
     * @param inputs number of inputs
     * @param generator makes input {@code i} from a {@code Random} seeded with {@code seed + i}
     * @param target the code under test
     * @param documented exception types the target may throw besides {@link SiglipException}
     * @param timeoutSeconds per-input limit
     * @param maxAllocatedBytes per-input heap allocation limit
     * @return the report (assert {@code failures().isEmpty()})
     */
    public static Report run(String name, int inputs, Function<Random, byte[]> generator, Target target,
            List<Class<? extends Exception>> documented, long timeoutSeconds, long maxAllocatedBytes) {
        long seed = seed();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        int[] counts = new int[2];
        long[] maxAlloc = {0};
        AtomicLong current = new AtomicLong(-1);
        AtomicLong currentStart = new AtomicLong(System.nanoTime());
        byte[][] currentInput = new byte[1][];
        long start = System.nanoTime();
        // One worker runs every input in turn (no per-input thread hand-off, which costs milliseconds
        // on a busy machine); this thread is the watchdog that reports an input running too long.
        Thread worker = new Thread(() -> {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int i = 0; i < inputs && failures.size() < 20; i++) {
                byte[] input = generator.apply(new Random(seed + i));
                synchronized (currentInput) {
                    currentInput[0] = input;
                }
                currentStart.set(System.nanoTime());
                current.set(i);
                long before = mx.getCurrentThreadAllocatedBytes();
                Throwable t = null;
                try {
                    target.run(input);
                } catch (Throwable e) {
                    t = e;
                }
                long alloc = mx.getCurrentThreadAllocatedBytes() - before;
                maxAlloc[0] = Math.max(maxAlloc[0], alloc);
                if (t instanceof OutOfMemoryError) {
                    // free what we can before describing it
                    t = new OutOfMemoryError(String.valueOf(t.getMessage()));
                }
                if (alloc > maxAllocatedBytes) {
                    failures.add(save(name, seed + i, input, "allocated " + alloc + " bytes for a " + input.length
                            + "-byte input (limit " + maxAllocatedBytes + ")" + (t == null ? "" : "; then threw " + t)));
                } else if (t == null) {
                    counts[0]++;
                } else if (isDocumented(t, documented)) {
                    if (t.getMessage() == null || t.getMessage().isBlank()) {
                        failures.add(save(name, seed + i, input, t.getClass().getName() + " without a message"));
                    } else {
                        counts[1]++;
                    }
                } else {
                    failures.add(save(name, seed + i, input, "undocumented " + stack(t)));
                }
            }
            current.set(Long.MAX_VALUE);
        }, "fuzz-" + name);
        worker.setDaemon(true);
        worker.start();
        try {
            while (worker.isAlive()) {
                worker.join(100);
                long i = current.get();
                if (worker.isAlive() && i >= 0 && i != Long.MAX_VALUE
                        && System.nanoTime() - currentStart.get() > TimeUnit.SECONDS.toNanos(timeoutSeconds)
                        && current.get() == i) {
                    byte[] input;
                    synchronized (currentInput) {
                        input = currentInput[0];
                    }
                    failures.add(save(name, seed + i, input, "no result within " + timeoutSeconds + " s (hang?)"));
                    worker.interrupt();
                    break; // the worker is stuck; nothing after this would be trustworthy
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        Report r;
        synchronized (failures) {
            r = new Report(name, inputs, counts[0], counts[1], maxAlloc[0], (System.nanoTime() - start) / 1e9,
                    List.copyOf(failures));
        }
        System.out.println(r);
        return r;
    }

    private static boolean isDocumented(Throwable t, List<Class<? extends Exception>> documented) {
        if (t instanceof SiglipException) {
            return true;
        }
        return documented.stream().anyMatch(c -> c.isInstance(t));
    }

    private static String stack(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        for (int k = 0; k < Math.min(8, st.length); k++) {
            sb.append("\n    at ").append(st[k]);
        }
        if (t.getCause() != null && t.getCause() != t) {
            sb.append("\n  caused by ").append(t.getCause());
        }
        return sb.toString();
    }

    private static String save(String name, long seed, byte[] input, String what) {
        String msg = name + " input seed " + seed + ": " + what;
        try {
            Path dir = Path.of("target", "fuzz-failures");
            Files.createDirectories(dir);
            Path f = dir.resolve(name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + seed + ".bin");
            Files.write(f, input);
            msg += " (input saved to " + f.toAbsolutePath() + ")";
        } catch (IOException e) {
            msg += " (input not saved: " + e + ")";
        }
        return msg;
    }
}
