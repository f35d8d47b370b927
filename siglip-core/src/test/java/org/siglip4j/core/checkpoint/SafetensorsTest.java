package org.siglip4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

class SafetensorsTest {
    @TempDir
    Path tmp;

    static Path rawFile(Path dir, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = dir.resolve("t.safetensors");
        Files.write(f, b.array());
        return f;
    }

    static SiglipException fails(Path f) {
        return assertThrows(SiglipException.class, () -> SafetensorsReader.open(f).close());
    }

    @Test
    void readsFixtureTensorsLikeNumpy() {
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader r = SafetensorsReader.open(Fixtures.file("expected/expected.safetensors"))) {
            Npy.Array e = Fixtures.expected("vision_pooler_output");
            NDArray a = r.load("vision_pooler_output", m);
            assertArrayEquals(e.floats(), a.toFloatArray());
            NDArray ids = r.load("input_ids", m);
            assertEquals(DataType.INT64, ids.getDataType());
            assertArrayEquals(Fixtures.expected("input_ids").longs(), ids.toLongArray());
        }
    }

    @Test
    void f16AndBf16AreWidenedToFloat32() {
        float[] v = {0f, 1f, -2.5f, 3.140625f, 65504f, 6.1035156e-5f, 1e-7f, -0.099975586f};
        Map<String, RawTensor> t = new LinkedHashMap<>();
        t.put("h", RawTensor.ofFloats(v, new long[] {2, 4}, DType.F16));
        t.put("b", RawTensor.ofFloats(v, new long[] {8}, DType.BF16));
        t.put("f", RawTensor.ofFloats(v, new long[] {8}, DType.F32));
        Path f = tmp.resolve("half.safetensors");
        SafetensorsWriter.writeRaw(f, t, Map.of("format", "pt"));
        try (NDManager m = NDManager.newBaseManager(); SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(DType.F16, r.info("h").dtype());
            NDArray h = r.load("h", m);
            NDArray b = r.load("b", m);
            assertEquals(DataType.FLOAT32, h.getDataType());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 4), h.getShape());
            float[] hv = h.toFloatArray();
            float[] bv = b.toFloatArray();
            for (int i = 0; i < v.length; i++) {
                // half: 11 significant bits (subnormals below 6.1e-5 have absolute step 2^-24)
                assertEquals(v[i], hv[i], Math.max(Math.abs(v[i]) * 0x1p-11, 0x1p-25), "f16 " + v[i]);
                // bfloat16: 8 significant bits
                assertEquals(v[i], bv[i], Math.abs(v[i]) * 0x1p-8, "bf16 " + v[i]);
            }
            assertEquals(3.140625f, hv[3]);
            assertEquals(65504f, hv[4]);
            assertEquals(-2.5f, bv[2]);
            assertArrayEquals(v, r.load("f", m).toFloatArray());
            assertEquals("pt", r.metadata().get("format"));
        }
    }

    @Test
    void writerOutputIsSortedPaddedAndReadable() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("z.weight", m.arange(6f).reshape(2, 3));
            arrays.put("a.bias", m.create(new long[] {7, -8}));
            Path f = tmp.resolve("w.safetensors");
            SafetensorsWriter.write(f, arrays);
            byte[] bytes = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"},\"a.bias\""), header);
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, r.load("z.weight", m).toFloatArray());
                assertArrayEquals(new long[] {7, -8}, r.load("a.bias", m).toLongArray());
            }
            try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
                assertEquals(1, s.count(), "no temporary file left behind");
            }
        }
    }

    /** The writer reads CPU arrays in place; a transposed view must still be written in C order. */
    @Test
    void viewsAreWrittenInLogicalOrder() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray base = m.arange(6f).reshape(2, 3);
            Path f = tmp.resolve("t.safetensors");
            SafetensorsWriter.write(f, Map.of("t", base.transpose(), "row", base.get(1)));
            try (SafetensorsReader r = SafetensorsReader.open(f)) {
                assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, r.load("t", m).toFloatArray());
                assertArrayEquals(new float[] {3, 4, 5}, r.load("row", m).toFloatArray());
            }
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, base.toFloatArray(), "source unchanged");
        }
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path f = tmp.resolve("x.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertTrue(fails(f).getMessage().contains("truncated"));
        byte[] good = Files.readAllBytes(Fixtures.file("model.safetensors"));
        Files.write(f, Arrays.copyOf(good, good.length - 100));
        SiglipException e = fails(f);
        assertTrue(e.getMessage().contains("outside the data section"), e.getMessage());
    }

    @Test
    void headerLengthBeyondFileIsRejected() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}      ".getBytes());
        Path f = tmp.resolve("y.safetensors");
        Files.write(f, b.array());
        assertTrue(fails(f).getMessage().contains("beyond the end of the file"));
        b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).put("{}      ".getBytes());
        Files.write(f, b.array());
        assertTrue(fails(f).getMessage().contains("header length"));
    }

    @Test
    void badHeadersNameTheProblem() throws IOException {
        byte[] d16 = new byte[16];
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,32]}}", d16))
                .getMessage().contains("'a' data_offsets [0, 32] lie outside"));
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", d16))
                .getMessage().contains("'a' is F32[3] = 12 bytes but data_offsets span 16"));
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"Q7\",\"shape\":[4],\"data_offsets\":[0,16]}}", d16))
                .getMessage().contains("unsupported dtype 'Q7'"));
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", d16)).getMessage().contains("overlap"));
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", d16))
                .getMessage().contains("non-negative"));
        assertTrue(fails(rawFile(tmp, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
                + "\"data_offsets\":[0,16]}}", d16)).getMessage().contains("overflows"));
        assertTrue(fails(rawFile(tmp, "{\"a\": nope}", d16)).getMessage().contains("not valid JSON"));
        assertTrue(fails(rawFile(tmp, "[1,2]", d16)).getMessage().contains("not a JSON object"));
    }

    @Test
    void filesLargerThan2GiBAreReadByTensorRegion() throws IOException {
        // a sparse file: a 2.25 GiB zero tensor (never touched) followed by a small one
        long big = 9L << 28; // 2.25 GiB of U8
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[" + big + "," + (big + 12) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path f = tmp.resolve("huge.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            raf.write(b.array());
            raf.write(h);
            raf.seek(8 + h.length + big);
            ByteBuffer t = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f)
                    .putFloat(3.25f);
            raf.write(t.array());
        }
        try (NDManager m = NDManager.newBaseManager(); SafetensorsReader r = SafetensorsReader.open(f)) {
            assertEquals(big, r.info("big").byteLength());
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, r.load("tail", m).toFloatArray());
            SiglipException e = assertThrows(SiglipException.class, () -> r.load("big", m));
            assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
        }
    }
}
