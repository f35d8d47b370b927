package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
}
