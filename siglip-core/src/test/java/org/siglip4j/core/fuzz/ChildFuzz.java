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
 * {@code /proc/self/clear_refs}) or of the heap pools' peak, whichever is larger.
 *
 * <p>{@code java ... ChildFuzz PROVIDER KIND FIRST COUNT SEED WORKDIR}
 */
public final class ChildFuzz {
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
        // warm-up: class loading and native libraries are not charged to the first case
        for (int w = 0; w < 3; w++) {
            runOne(kind, kind.generate(FuzzRunner.random(seed, -1 - w)), work);
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
            if (heapUsed(heap) > 64L << 20) {
                // garbage left by earlier cases would otherwise count towards this case's peak
                System.gc();
            }
            resetPeaks(heap);
            long rssBefore = status("VmRSS");
            long heapBefore = heapUsed(heap);
            String outcome = runOne(kind, input, work);
            long peak = Math.max(status("VmHWM") - rssBefore, heapPeak(heap) - heapBefore);
            out.println("E " + i + " " + outcome.replace('\n', ' ') + "\t" + Math.max(0, peak) + "\t" + input.length);
        }
        out.println("DONE");
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
