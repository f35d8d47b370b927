package org.siglip4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.fuzz.FuzzHarness;
import org.siglip4j.core.fuzz.Mutator;
import org.siglip4j.core.testing.Fixtures;

/**
 * Mutation fuzzing of {@link SafetensorsReader}: a small file with every dtype and the header of
 * the fixture's {@code model.safetensors}, mutated blindly and with targeted lies (header length,
 * shape x dtype against data_offsets, offsets past the end). Every input either opens, in which
 * case every tensor also loads into an NDArray (the header was fully validated in Java first), or
 * fails with a SiglipException that has a message.
 */
class SafetensorsFuzzTest {
    @TempDir
    Path tmp;

    static byte[] smallSeed() throws IOException {
        Path dir = Files.createTempDirectory("st-seed");
        try {
            Map<String, RawTensor> t = new LinkedHashMap<>();
            t.put("a.f32", RawTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, DType.F32));
            t.put("b.bf16", RawTensor.ofFloats(new float[] {1, -2, 0.5f, 8}, new long[] {4}, DType.BF16));
            t.put("c.f16", RawTensor.ofFloats(new float[] {1, 2, 3, 4}, new long[] {2, 2}, DType.F16));
            t.put("d.f64", RawTensor.ofFloats(new float[] {7}, new long[] {}, DType.F64));
            t.put("e.i64", raw(DType.I64, new long[] {3}, 24));
            t.put("f.i16", raw(DType.I16, new long[] {2}, 4));
            t.put("g.u8", raw(DType.U8, new long[] {5}, 5));
            t.put("h.bool", raw(DType.BOOL, new long[] {1, 3}, 3));
            t.put("i.empty", raw(DType.F32, new long[] {0, 4}, 0));
            Path f = dir.resolve("s.safetensors");
            SafetensorsWriter.writeRaw(f, t, Map.of("format", "pt"));
            return Files.readAllBytes(f);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static RawTensor raw(DType dtype, long[] shape, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 37 + 1);
        }
        return new RawTensor(dtype, shape, ByteBuffer.wrap(b));
    }

    static long headerLength(byte[] file) {
        return ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Rebuilds a file around a new header text, keeping the header length field honest. */
    static byte[] withHeader(byte[] file, String header) {
        long old = headerLength(file);
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(file, (int) (8 + old), file.length);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    /** A structurally valid JSON header whose numbers lie: shapes, offsets or dtypes. */
    static byte[] lyingHeader(byte[] file, Random rnd) {
        long hl = headerLength(file);
        JsonObject h = JsonParser.parseString(new String(file, 8, (int) hl, StandardCharsets.UTF_8)).getAsJsonObject();
        List<String> names = new ArrayList<>(h.keySet());
        names.remove("__metadata__");
        String name = names.get(rnd.nextInt(names.size()));
        JsonObject t = h.getAsJsonObject(name);
        long[] lies = {0, 1, 2, 3, 7, 8, 1L << 31, (1L << 32) + 1, 1L << 40, 1L << 61, Long.MAX_VALUE, 4_611_686_018_427_387_904L};
        long lie = lies[rnd.nextInt(lies.length)] + (rnd.nextBoolean() ? 0 : rnd.nextInt(5) - 2);
        lie = Math.max(lie, 0);
        switch (rnd.nextInt(6)) {
            case 0 -> { // one dimension of the shape
                JsonArray s = t.getAsJsonArray("shape");
                if (s.isEmpty()) {
                    s.add(lie);
                } else {
                    s.set(rnd.nextInt(s.size()), new com.google.gson.JsonPrimitive(lie));
                }
            }
            case 1 -> { // two dimensions whose product overflows or wraps to the right byte count
                JsonArray s = new JsonArray();
                s.add(1L << 32);
                s.add(1L << 32);
                s.add(rnd.nextInt(3));
                t.add("shape", s);
            }
            case 2 -> t.getAsJsonArray("data_offsets").set(rnd.nextInt(2), new com.google.gson.JsonPrimitive(lie));
            case 3 -> t.addProperty("dtype", List.of("F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL",
                    "F8_E4M3", "C64", "", "f32").get(rnd.nextInt(14)));
            case 4 -> { // offsets of two tensors made to overlap
                String other = names.get(rnd.nextInt(names.size()));
                t.add("data_offsets", h.getAsJsonObject(other).get("data_offsets").deepCopy());
            }
            default -> { // offsets shifted by a few bytes
                JsonArray o = t.getAsJsonArray("data_offsets");
                int d = rnd.nextInt(17) - 8;
                o.set(0, new com.google.gson.JsonPrimitive(Math.max(0, o.get(0).getAsLong() + d)));
                o.set(1, new com.google.gson.JsonPrimitive(Math.max(0, o.get(1).getAsLong() + d)));
            }
        }
        return withHeader(file, h.toString());
    }

    /** A lying 8-byte header length. */
    static byte[] lyingHeaderLength(byte[] file, Random rnd) {
        long hl = headerLength(file);
        long[] lies = {0, 1, 2, hl - 1, hl + 1, hl + 8, file.length - 8, file.length - 7, file.length,
            FuzzLimits.MAX_HEADER, FuzzLimits.MAX_HEADER + 1, Integer.MAX_VALUE, 1L << 32, Long.MAX_VALUE, -1, -8};
        byte[] out = file.clone();
        Mutator.putInt(out, 0, 8, lies[rnd.nextInt(lies.length)], true);
        return out;
    }

    /** Limits referred to by the lies. */
    static final class FuzzLimits {
        static final long MAX_HEADER = SafetensorsReader.MAX_HEADER_BYTES;
    }

    @Test
    void mutatedFilesOpenOrFailWithAMessageAndNeverAllocateBeyondTheFile() throws IOException {
        byte[] small = smallSeed();
        byte[] model = Files.readAllBytes(Fixtures.file("model.safetensors"));
        int modelHead = (int) (8 + headerLength(model));
        byte[] modelHeader = Arrays.copyOf(model, modelHead);
        Mutator mutator = new Mutator(List.of(small));
        Mutator headMutator = new Mutator(List.of(modelHeader));
        // tmpfs when there is one: rewriting a file on a disk file system thousands of times is the slow part
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "siglip-fuzz") : tmp;
        int[] counter = {0};
        int[] loaded = {0};
        try (NDManager manager = NDManager.newBaseManager()) {
            FuzzHarness.Report r = FuzzHarness.run("safetensors", FuzzHarness.iterations(), rnd -> {
                int kind = rnd.nextInt(20);
                if (kind < 10) {
                    return mutator.mutate(rnd);
                }
                if (kind < 15) {
                    return lyingHeader(small, rnd);
                }
                if (kind < 17) {
                    return lyingHeaderLength(rnd.nextBoolean() ? small : model, rnd);
                }
                if (kind < 18) { // the real model's header, data cut or kept
                    byte[] mutated = rnd.nextBoolean() ? lyingHeader(model, rnd) : model.clone();
                    return mutated.length > 4096 && rnd.nextInt(3) == 0
                            ? Arrays.copyOf(mutated, rnd.nextInt(mutated.length)) : mutated;
                }
                // the real model's header mutated blindly, followed by its data
                byte[] head = headMutator.mutate(rnd);
                byte[] out = Arrays.copyOf(head, head.length + model.length - modelHead);
                System.arraycopy(model, modelHead, out, head.length, model.length - modelHead);
                return out;
            }, input -> {
                Path file = dir.resolve("f" + (counter[0]++ % 16) + ".safetensors");
                Files.deleteIfExists(file);
                Files.write(file, input);
                try (SafetensorsReader reader = SafetensorsReader.open(file);
                        NDManager sub = manager.newSubManager()) {
                    // every tensor of a small file, a few of the model's (native calls are the slow part)
                    List<String> names = new ArrayList<>(reader.tensors().keySet());
                    int step = Math.max(1, names.size() / 4);
                    for (int i = 0; i < names.size(); i += step) {
                        TensorInfo info = reader.tensors().get(names.get(i));
                        NDArray a = reader.load(info.name(), sub);
                        assertEquals(info.numel(), a.size(), info.name());
                        loaded[0]++;
                    }
                }
            }, List.of(), 20, 64L << 20);
            if (!dir.equals(tmp)) {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
            assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
            assertTrue(r.accepted() > 0 && r.rejected() > 0, r.toString());
            System.out.println("safetensors fuzz: " + loaded[0] + " tensors of accepted files loaded into NDArrays");
        }
    }
}
