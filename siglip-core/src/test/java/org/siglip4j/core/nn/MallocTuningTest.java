package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MallocTuningTest {
    /** On glibc (this project's CI and benchmark machines) every mallopt call must be accepted. */
    @Test
    void glibcAcceptsTheSettings() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps) && Files.readString(maps).contains("libc.so.6"), "not glibc Linux");
        MallocTuning.Result r = MallocTuning.apply();
        assertTrue(r.applied(), r.detail());
        assertTrue(r.detail().startsWith("glibc "), r.detail());
        assertSame(r, MallocTuning.apply(), "applied once, the same result afterwards");
    }

    /**
     * With the settings on, 160 MiB of freed 4 MiB tensors stay resident (kept for reuse);
     * releaseFreeMemory gives most of it back. RSS is read from /proc/self/status.
     */
    @Test
    void freedTensorMemoryIsKeptUntilReleased() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps) && Files.readString(maps).contains("libc.so.6"), "not glibc Linux");
        assumeTrue(MallocTuning.apply().applied());
        // start from nothing kept, or earlier tests' kept memory would absorb the allocations
        MallocTuning.releaseFreeMemory();
        long before = rssKib();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < 40; i++) {
                m.ones(new Shape(1024, 1024)); // 4 MiB each, every page written
            }
        }
        long kept = rssKib() - before;
        MallocTuning.releaseFreeMemory();
        long afterRelease = rssKib() - before;
        assertTrue(kept > 100 * 1024, "freed memory kept resident: " + kept + " KiB");
        assertTrue(afterRelease < kept - 80 * 1024, "released: " + kept + " -> " + afterRelease + " KiB");
    }

    private static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }
}
