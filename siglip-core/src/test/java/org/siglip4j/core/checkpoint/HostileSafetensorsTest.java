package org.siglip4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.fuzz.HostileRegressionChild;
import org.siglip4j.core.testing.ChildJvm;

/**
 * Regression tests for safetensors headers found by fuzzing: a legal header of many tiny entries
 * once cost about 60 x its size in memory (a Gson tree per entry), and an empty tensor with huge
 * dimensions made PyTorch's stride computation overflow.
 */
class HostileSafetensorsTest {
    @TempDir
    Path tmp;

    /** A legal file whose header lists {@code n} empty tensors. */
    static Path manyEmptyTensors(Path file, int n) throws IOException {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            h.append(i > 0 ? "," : "").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.US_ASCII);
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(file))) {
            o.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            o.write(header);
        }
        return file;
    }

    @Test
    void aLargeLegalHeaderOpensWithinFourTimesItsSize() throws Exception {
        // 400,000 entries, 22 MB of header: the Gson tree needed about 1.3 GB, the streamed parse fits
        // a child JVM whose whole heap is 4 x the file
        Path f = manyEmptyTensors(tmp.resolve("big.safetensors"), 400_000);
        long size = Files.size(f);
        assertTrue(size > 20_000_000, "size " + size);
        try (ChildJvm child = ChildJvm.start(List.of("-Xmx" + (4 * size >> 20) + "m"), HostileRegressionChild.class,
                "safetensors", f.toString())) {
            String line = child.nextLine(180);
            while (line != null && !line.startsWith("ok") && !line.startsWith("rejected") && !line.startsWith("escape")) {
                line = child.nextLine(180);
            }
            assertEquals("ok 400000", line);
        }
    }

    @Test
    void emptyTensorsWithHugeDimensionsAreRefused() throws IOException {
        String header = "{\"t\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4],\"data_offsets\":[0,0]}}";
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        Path f = tmp.resolve("s.safetensors");
        Files.write(f, ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
        SiglipException e = assertThrows(SiglipException.class, () -> SafetensorsReader.open(f).close());
        assertTrue(e.getMessage().contains("shape overflows"), e.getMessage());
    }

    @Test
    void duplicateNamesAndMalformedHeadersGiveOneLine() throws IOException {
        for (String header : List.of("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}", "{\"a\":", "{\"a\":{}} x")) {
            byte[] h = header.getBytes(StandardCharsets.US_ASCII);
            Path f = tmp.resolve("d.safetensors");
            Files.write(f, ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array());
            SiglipException e = assertThrows(SiglipException.class, () -> SafetensorsReader.open(f).close());
            assertTrue(!e.getMessage().contains("\n") && e.getMessage().contains("invalid safetensors file"), e.getMessage());
        }
    }
}
