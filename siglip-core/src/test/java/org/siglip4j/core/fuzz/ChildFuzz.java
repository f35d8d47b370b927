package org.siglip4j.core.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.siglip4j.core.SiglipException;

/**
 * The child side of {@link FuzzRunner}: runs cases {@code first .. first+count-1} of one kind,
 * printing {@code B i} before and {@code E i OUTCOME PEAK_BYTES INPUT_BYTES DETAIL} after each, so
 * the parent knows which case was running when the process hung or died. Peak memory of a case is
 * the growth of the resident set's high-water mark (reset before the case through
 * {@code /proc/self/clear_refs}) or of the heap pools' peak, whichever is larger; above 16 MB the
 * case runs once more and the lower of the two counts.
 *
 * <p>{@code java ... ChildFuzz PROVIDER KIND FIRST COUNT SEED WORKDIR}
 */
public final class ChildFuzz {
    /** Peaks above this are measured a second time before they are reported. */
    private static final long CONFIRM_ABOVE = 16L << 20;

    private ChildFuzz() {}

    /** Runs the cases; see the class comment. */
    public static void main(String[] args) throws Exception {
        HostileKind kind = FuzzRunner.kind(args[0], args[1]);
        long first = Long.parseLong(args[2]);
        long count = Long.parseLong(args[3]);
        long seed = Long.parseLong(args[4]);
        Path work = Files.createDirectories(Path.of(args[5]));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
        // warm-up: class loading and native libraries are not charged to the first case. Rejected
        // inputs may never reach the engine, so warm up until two inputs were accepted (libtorch,
        // ~100 MB resident, was otherwise charged to the first accepted case of the run's seed).
        int accepted = 0;
        for (int w = 0; w < 200 && (w < 3 || accepted < 2); w++) {
            if ("ok".equals(runOne(kind, kind.generate(FuzzRunner.random(seed, -1 - w)), work))) {
                accepted++;
            }
        }
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        for (long i = first; i < first + count; i++) {
            out.println("B " + i);
            byte[] input;
            try {
                input = kind.generate(FuzzRunner.random(seed, i));
            } catch (Throwable t) {
                // a bug of the test's generator, not of the library: reported, never counted as an abort
                out.println("E " + i + " escape generator failed: " + t + "\t0\t0");
                continue;
            }
            String[] outcome = new String[1];
            long peak = measure(heap, () -> outcome[0] = runOne(kind, input, work));
            if (peak > CONFIRM_ABOVE) {
                // The JVM's own work (a C2 compile's arena, a heap region touched for the first
                // time) can land inside a case and show as its growth; an input that really costs
                // memory costs it again, so the lower of two runs is the case's own peak.
                System.gc();
                peak = Math.min(peak, measure(heap, () -> runOne(kind, input, work)));
            }
            out.println("E " + i + " " + outcome[0].replace('\n', ' ') + "\t" + Math.max(0, peak) + "\t" + input.length);
        }
        out.println("DONE");
    }

    /** Growth of the resident high-water mark or of the heap's peak while {@code run} runs. */
    private static long measure(List<MemoryPoolMXBean> heap, Runnable run) {
        if (heapUsed(heap) > 64L << 20) {
            // garbage left by earlier cases would otherwise count towards this case's peak
            System.gc();
        }
        resetPeaks(heap);
        long rssBefore = status("VmRSS");
        long heapBefore = heapUsed(heap);
        run.run();
        return Math.max(status("VmHWM") - rssBefore, heapPeak(heap) - heapBefore);
    }

    /** {@code ok}, {@code rejected}, or {@code escape CLASS: MESSAGE}. */
    static String runOne(HostileKind kind, byte[] input, Path work) {
        try {
            kind.run(input, work);
            return "ok";
        } catch (SiglipException e) {
            if (e.getMessage() == null || e.getMessage().isBlank() || e.getMessage().contains("\n")) {
                return "escape SiglipException without a one-line message: " + e.getMessage();
            }
            return "rejected";
        } catch (Throwable t) {
            StackTraceElement[] st = t.getStackTrace();
            return "escape " + t + (st.length > 0 ? " at " + st[0] : "");
        }
    }

    private static void resetPeaks(List<MemoryPoolMXBean> heap) {
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux: the heap peak alone is reported
        }
    }

    private static long heapUsed(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(p -> p.getUsage().getUsed()).sum();
    }

    private static long heapPeak(List<MemoryPoolMXBean> heap) {
        return heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** A {@code /proc/self/status} field in bytes, or 0. */
    private static long status(String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(field + ":")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }
}
