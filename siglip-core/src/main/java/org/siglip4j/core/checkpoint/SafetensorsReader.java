package org.siglip4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;

/**
 * A memory-mapped reader of one {@code .safetensors} file. The header is validated completely on
 * open (length, JSON, dtypes, shapes, offsets, overlaps); each tensor is then mapped on its own, so
 * files larger than 2 GiB work and no whole-file byte array is ever made. BF16/F16 are widened to
 * float32 and I16 to int32 in Java while copying out of the mapping.
 */
public final class SafetensorsReader implements AutoCloseable {
    /** Largest header accepted (the format's own reference implementation uses 100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsReader(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens and validates a safetensors file.
     *
     * @param file the file
     * @return an open reader (close it)
     */
    public static SafetensorsReader open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SiglipException("safetensors file not found: " + file);
        } catch (IOException e) {
            throw new SiglipException("cannot open " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException | IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // already failing
            }
            if (e instanceof SiglipException s) {
                throw s;
            }
            throw new SiglipException(file + ": cannot read safetensors header: " + e.getMessage(), e);
        }
    }

    private static SiglipException bad(Path file, String what) {
        return new SiglipException(file + ": invalid safetensors file: " + what);
    }

    private static SafetensorsReader parse(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length (truncated?)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long headerLen = lenBuf.getLong(0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw bad(file, "header length " + Long.toUnsignedString(headerLen) + " is outside 2.."
                    + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + headerLen > size) {
            throw bad(file, "header length " + headerLen + " goes beyond the end of the file (" + size
                    + " bytes; truncated?)");
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, TensorInfo> tensors = new TreeMap<>();
        // Streamed straight from the file: a tree of Gson objects costs ~1 KB per entry, so a legal
        // 98 MB header of tiny entries took 6 GB; this keeps one small record per tensor.
        ch.position(8);
        Reader reader = new InputStreamReader(new BoundedStream(Channels.newInputStream(ch), headerLen),
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT));
        try {
            JsonReader jr = new JsonReader(new BufferedReader(reader, 1 << 16));
            jr.setStrictness(Strictness.STRICT);
            if (jr.peek() != JsonToken.BEGIN_OBJECT) {
                throw bad(file, "header is not a JSON object");
            }
            jr.beginObject();
            boolean sawMetadata = false;
            while (jr.hasNext()) {
                String name = jr.nextName();
                if (tensors.containsKey(name) || name.equals("__metadata__") && sawMetadata) {
                    throw bad(file, "'" + name + "' is listed twice in the header");
                }
                if (name.equals("__metadata__")) {
                    sawMetadata = true;
                    readMetadata(file, jr, metadata);
                } else {
                    tensors.put(name, entry(file, name, jr, dataSize));
                }
            }
            jr.endObject();
            if (jr.peek() != JsonToken.END_DOCUMENT) {
                throw bad(file, "trailing data after the header JSON");
            }
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        } catch (JsonParseException | IllegalStateException | NumberFormatException | IOException e) {
            throw bad(file, "header is not valid JSON (" + BoundedJson.firstLine(e) + ")");
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : byOffset) {
            if (prev != null && t.begin() < prev.end() && t.byteLength() > 0) {
                throw bad(file, "tensors '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ") and '"
                        + t.name() + "' [" + t.begin() + ", " + t.end() + ") overlap");
            }
            if (t.byteLength() > 0) {
                prev = t;
            }
        }
        return new SafetensorsReader(file, ch, dataStart, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path file, JsonReader jr, Map<String, String> metadata) throws IOException {
        if (jr.peek() != JsonToken.BEGIN_OBJECT) {
            throw bad(file, "__metadata__ must be an object of strings");
        }
        jr.beginObject();
        while (jr.hasNext()) {
            String key = jr.nextName();
            if (jr.peek() != JsonToken.STRING) {
                throw bad(file, "__metadata__." + key + " must be a string");
            }
            metadata.put(key, jr.nextString());
        }
        jr.endObject();
    }

    private static TensorInfo entry(Path file, String name, JsonReader jr, long dataSize) throws IOException {
        if (jr.peek() != JsonToken.BEGIN_OBJECT) {
            throw bad(file, "entry of tensor '" + name + "' is not an object");
        }
        String dtypeName = null;
        long[] shape = null;
        long[] off = null;
        jr.beginObject();
        while (jr.hasNext()) {
            switch (jr.nextName()) {
                case "dtype" -> {
                    if (jr.peek() != JsonToken.STRING) {
                        throw bad(file, "tensor '" + name + "' has a non-string dtype");
                    }
                    dtypeName = jr.nextString();
                }
                case "shape" -> shape = longs(file, name, "shape", jr);
                case "data_offsets" -> off = longs(file, name, "data_offsets", jr);
                default -> jr.skipValue();
            }
        }
        jr.endObject();
        if (dtypeName == null || shape == null || off == null) {
            throw bad(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
        }
        DType dtype = DType.parse(dtypeName, name);
        if (off.length != 2) {
            throw bad(file, "tensor '" + name + "' data_offsets must be [begin, end]");
        }
        long begin = off[0];
        long end = off[1];
        if (begin > end || end > dataSize) {
            throw bad(file, "tensor '" + name + "' data_offsets [" + begin + ", " + end
                    + "] lie outside the data section of " + dataSize + " bytes (truncated?)");
        }
        long bytes;
        try {
            long n = 1;
            // PyTorch computes strides from the non-zero dimensions even of an empty tensor
            long strides = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
                strides = Math.multiplyExact(strides, Math.max(1, s));
            }
            bytes = Math.multiplyExact(strides, dtype.bytes()) >= 0 ? Math.multiplyExact(n, dtype.bytes()) : -1;
        } catch (ArithmeticException ex) {
            throw bad(file, "tensor '" + name + "' shape overflows");
        }
        if (bytes != end - begin) {
            throw bad(file, "tensor '" + name + "' is " + dtype + java.util.Arrays.toString(shape) + " = " + bytes
                    + " bytes but data_offsets span " + (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, shape.length == 0 ? SCALAR : shape, begin, end);
    }

    private static final long[] SCALAR = new long[0];

    private static long[] longs(Path file, String name, String field, JsonReader jr) throws IOException {
        if (jr.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad(file, "tensor '" + name + "' " + field + " must be a list of integers");
        }
        long[] out = new long[4];
        int n = 0;
        jr.beginArray();
        while (jr.hasNext()) {
            if (jr.peek() != JsonToken.NUMBER) {
                throw bad(file, "tensor '" + name + "' " + field + " must be a list of integers");
            }
            String text = jr.nextString();
            java.math.BigDecimal d;
            try {
                d = new java.math.BigDecimal(text);
            } catch (NumberFormatException e) {
                throw bad(file, "tensor '" + name + "' " + field + " must hold non-negative integers, got " + text);
            }
            if (d.signum() < 0 || d.scale() > 0 && d.stripTrailingZeros().scale() > 0
                    || d.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
                throw bad(file, "tensor '" + name + "' " + field + " must hold non-negative integers, got " + text);
            }
            if (n == out.length) {
                out = java.util.Arrays.copyOf(out, 2 * n);
            }
            out[n++] = d.longValue();
        }
        jr.endArray();
        return java.util.Arrays.copyOf(out, n);
    }

    /** The first {@code limit} bytes of a stream (the header), never reading into the data. */
    private static final class BoundedStream extends java.io.FilterInputStream {
        private long left;

        BoundedStream(java.io.InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // the channel stays open for the tensors
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** Every tensor of the file by name (sorted). */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code __metadata__} entries. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The header entry of a tensor, or an exception naming it. */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SiglipException(file + ": no tensor named '" + name + "'");
        }
        return t;
    }

    /**
     * Loads one tensor as an NDArray of {@code manager} (F16/BF16 widened to float32).
     *
     * @param name tensor name
     * @param manager owner of the new array
     * @return the array
     */
    public NDArray load(String name, NDManager manager) {
        TensorInfo t = info(name);
        long n = t.numel();
        long outBytes = n * t.dtype().loadedAs().getNumOfBytes();
        if (outBytes > Integer.MAX_VALUE - 16) {
            throw new SiglipException(file + ": tensor '" + name + "' needs " + outBytes
                    + " bytes, more than one NDArray buffer (2 GiB) can hold");
        }
        ByteBuffer out = manager.allocateDirect((int) outBytes).order(ByteOrder.nativeOrder());
        if (n > 0) {
            ByteBuffer src;
            try {
                src = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteLength())
                        .order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException e) {
                throw new SiglipException(file + ": cannot map tensor '" + name + "': " + e.getMessage(), e);
            }
            switch (t.dtype()) {
                case BF16 -> {
                    for (long i = 0; i < n; i++) {
                        out.putFloat(Float16.bf16ToFloat(src.getShort()));
                    }
                }
                case F16 -> {
                    for (long i = 0; i < n; i++) {
                        out.putFloat(Float16.f16ToFloat(src.getShort()));
                    }
                }
                case I16 -> {
                    for (long i = 0; i < n; i++) {
                        out.putInt(src.getShort());
                    }
                }
                default -> {
                    if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().bytes() == 1) {
                        out.put(src);
                    } else {
                        throw new SiglipException("big-endian hosts are not supported");
                    }
                }
            }
            out.flip();
        }
        return manager.create(out, new Shape(t.shape()), t.dtype().loadedAs());
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new SiglipException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
