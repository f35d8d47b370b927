package org.siglip4j.examples.demo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    @TempDir
    Path dir;

    private Path write(String name, int[] header, byte[] body, boolean gzip) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream raw = Files.newOutputStream(p);
             OutputStream o = gzip ? new GZIPOutputStream(raw) : raw;
             DataOutputStream d = new DataOutputStream(o)) {
            for (int h : header) {
                d.writeInt(h);
            }
            d.write(body);
        }
        return p;
    }

    @Test
    void readsImagesAndLabelsRawAndGzipped() throws IOException {
        byte[] px = {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 251, (byte) 252, 9, 10, 11};
        IdxReader.Images img = IdxReader.readImages(write("i.gz", new int[] {0x803, 2, 2, 3}, px, true));
        assertEquals(2, img.count());
        assertEquals(2, img.rows());
        assertEquals(3, img.cols());
        assertArrayEquals(new byte[] {(byte) 250, (byte) 251, (byte) 252, 9, 10, 11}, img.image(1));
        int[] labels = IdxReader.readLabels(write("l", new int[] {0x801, 3}, new byte[] {7, 0, (byte) 200}, false));
        assertArrayEquals(new int[] {7, 0, 200}, labels);
    }

    @Test
    void rejectsWrongMagicTruncationAndLyingDimensions() throws IOException {
        assertThrows(SiglipException.class, () -> IdxReader.readImages(write("a", new int[] {0x801, 1}, new byte[1], false)));
        SiglipException t = assertThrows(SiglipException.class,
                () -> IdxReader.readImages(write("b", new int[] {0x803, 5, 2, 2}, new byte[3], false)));
        assertTrue(t.getMessage().contains("truncated"));
        SiglipException big = assertThrows(SiglipException.class,
                () -> IdxReader.readImages(write("c", new int[] {0x803, 100000, 100000, 100000}, new byte[0], false)));
        assertTrue(big.getMessage().contains("implausible"));
        assertThrows(SiglipException.class, () -> IdxReader.readLabels(dir.resolve("missing")));
    }
}
