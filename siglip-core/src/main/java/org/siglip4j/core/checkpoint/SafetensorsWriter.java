package org.siglip4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;

/**
 * Writes {@code .safetensors} files: 8-byte header length, JSON header with {@code __metadata__}
 * (default {@code {"format":"pt"}}) and tensors sorted by name, header padded with spaces to 8
 * bytes, then the data. Written to a temporary sibling and renamed, so a crash never leaves a
 * half-written checkpoint under the final name.
 */
public final class SafetensorsWriter {
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafetensorsWriter() {}

    /** Writes NDArrays in their own dtype with metadata {@code {"format":"pt"}}. */
    public static void write(Path file, Map<String, NDArray> arrays) {
        writeLazily(file, new TreeMap<>(arrays).keySet(), n -> arrays.get(n).getShape().getShape(),
                n -> DType.of(arrays.get(n).getDataType()), n -> RawTensor.of(arrays.get(n)), Map.of("format", "pt"));
    }

    /** Writes raw tensors with the given metadata. */
    public static void writeRaw(Path file, Map<String, RawTensor> tensors, Map<String, String> metadata) {
        writeLazily(file, new TreeMap<>(tensors).keySet(), n -> tensors.get(n).shape(), n -> tensors.get(n).dtype(),
                tensors::get, metadata);
    }

    /**
     * Writes tensors one at a time (only one tensor's bytes in memory at once).
     *
     * @param file destination
     * @param names tensor names, written in this order (pass them sorted)
     * @param shapeOf shape of each tensor
     * @param dtypeOf dtype of each tensor
     * @param bytesOf the bytes of each tensor, asked for once, in order
     * @param metadata the {@code __metadata__} entries
     */
    public static void writeLazily(Path file, Iterable<String> names, Function<String, long[]> shapeOf,
            Function<String, DType> dtypeOf, Function<String, RawTensor> bytesOf, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            new TreeMap<>(metadata).forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (String n : names) {
            long[] shape = shapeOf.apply(n);
            DType dtype = dtypeOf.apply(n);
            long bytes = dtype.bytes();
            JsonArray sh = new JsonArray();
            for (long s : shape) {
                sh.add(s);
                bytes *= s;
            }
            JsonObject e = new JsonObject();
            e.addProperty("dtype", dtype.name());
            e.add("shape", sh);
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + bytes);
            e.add("data_offsets", off);
            header.add(n, e);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, tmp -> {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head);
                for (String n : names) {
                    RawTensor t = bytesOf.apply(n);
                    if (t.dtype() != dtypeOf.apply(n)) {
                        throw new SiglipException("tensor '" + n + "' changed dtype while being written");
                    }
                    writeAll(ch, t.data().duplicate());
                }
                ch.force(true);
            }
        });
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
