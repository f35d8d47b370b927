package org.siglip4j.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

class AtomicFilesTest {
    @TempDir
    Path tmp;

    @Test
    void newFilesAreWorldReadableAndReplacedFilesKeepTheirPermissions() throws IOException {
        Path f = tmp.resolve("a/config.json");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.write(f, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(f));
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void failedContentLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = tmp.resolve("model.safetensors");
        AtomicFiles.write(f, new byte[] {7});
        assertThrows(SiglipException.class, () -> AtomicFiles.write(f, t -> {
            Files.write(t, new byte[] {8, 9});
            throw new IOException("disk full");
        }));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the target is left");
        }
    }
}
