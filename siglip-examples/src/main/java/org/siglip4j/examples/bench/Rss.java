package org.siglip4j.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of this process from {@code /proc/self/status} (Linux; -1 elsewhere). */
public final class Rss {
    private Rss() {}

    /** Current resident set size in KiB ({@code VmRSS}). */
    public static long currentKib() {
        return field("VmRSS:");
    }

    /** Peak resident set size in KiB since start or the last {@link #resetPeak()} ({@code VmHWM}). */
    public static long peakKib() {
        return field("VmHWM:");
    }

    /**
     * Resets the peak to the current RSS (writing 5 to {@code /proc/self/clear_refs}, Linux 4.0+),
     * so that each benchmark row gets its own peak inside one JVM.
     *
     * @return false where the kernel does not allow it (peaks then accumulate over rows)
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
