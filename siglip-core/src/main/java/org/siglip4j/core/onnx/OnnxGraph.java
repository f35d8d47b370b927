package org.siglip4j.core.onnx;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.siglip4j.core.SiglipException;

/**
 * An ONNX graph under construction and its writer: nodes in topological order (the order they are
 * added), initializers, typed inputs and outputs, written as an ONNX {@code ModelProto} (IR 8,
 * opset 17 of the default domain, opset 1 of {@code com.microsoft} when a contrib op is used).
 *
 * <p>The file is streamed: each initializer's bytes are written once, straight from its array, so
 * writing needs no second copy of the weights. A protobuf message cannot pass 2 GiB, so beyond
 * {@link #EXTERNAL_DATA_ABOVE} bytes of initializers every large one goes to an external data file
 * beside the model ({@code <name>.onnx.data}, ONNX's external data format), which ONNX Runtime and
 * the {@code onnx} package read by the relative location stored in each tensor.
 */
public final class OnnxGraph {
    /** ONNX {@code TensorProto.DataType} codes used here. */
    public static final int FLOAT = 1;
    /** {@code uint8}. */
    public static final int UINT8 = 2;
    /** {@code int8}. */
    public static final int INT8 = 3;
    /** {@code int64}. */
    public static final int INT64 = 7;

    /** Initializers above this total size go to external data (a 2 GiB protobuf limit, with room for the rest). */
    public static final long EXTERNAL_DATA_ABOVE = 1_800_000_000L;
    /** Tensors smaller than this stay inside the model file even with external data. */
    private static final int EXTERNAL_MIN_BYTES = 1024;
    /** ONNX IR version 8 goes with opset 17. */
    private static final long IR_VERSION = 8;
    /** The default domain's opset: LayerNormalization needs 17. */
    public static final long OPSET = 17;
    /** ONNX Runtime's contrib-op domain (DynamicQuantizeMatMul, MatMulNBits). */
    public static final String MS_DOMAIN = "com.microsoft";

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<String> opTypes = new ArrayList<>();
    private final List<Tensor> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();
    private final List<String[]> metadata = new ArrayList<>();
    private boolean usesMsDomain;
    private long initializerBytes;

    private record Tensor(String name, int dataType, long[] dims, byte[] raw) {}

    /** A node attribute. */
    public record Attribute(String name, ProtoWriter encoded) {
        /** An int attribute. */
        public static Attribute i(String name, long v) {
            return new Attribute(name, new ProtoWriter().string(1, name).int64(3, v).int64(20, 2));
        }

        /** A float attribute. */
        public static Attribute f(String name, float v) {
            return new Attribute(name, new ProtoWriter().string(1, name).float32(2, v).int64(20, 1));
        }

        /** An ints attribute. */
        public static Attribute ints(String name, long... v) {
            ProtoWriter w = new ProtoWriter().string(1, name);
            for (long x : v) {
                w.int64(8, x);
            }
            return new Attribute(name, w.int64(20, 7));
        }

        /** A string attribute. */
        public static Attribute s(String name, String v) {
            return new Attribute(name, new ProtoWriter().string(1, name).string(4, v).int64(20, 3));
        }
    }

    /** An empty graph of that name. */
    public OnnxGraph(String name) {
        this.name = name;
    }

    /** A fresh value name starting with {@code base}. */
    public String fresh(String base) {
        String n = base;
        for (int i = 1; names.contains(n); i++) {
            n = base + "_" + i;
        }
        names.add(n);
        return n;
    }

    /**
     * A graph input.
     *
     * @param dims each a {@link Number} (fixed size) or a {@link String} (a named dynamic axis)
     * @return the input's name
     */
    public String input(String inputName, int elemType, Object... dims) {
        claim(inputName);
        inputs.add(valueInfo(inputName, elemType, dims));
        return inputName;
    }

    /** Declares {@code value} (made under that name by {@link #identity}) a graph output. */
    public void output(String value, int elemType, Object... dims) {
        outputs.add(valueInfo(value, elemType, dims));
    }

    /** An {@code Identity} node whose output has the given name (for graph outputs). */
    public String identity(String input, String outputName) {
        claim(outputName);
        addNode("Identity", "", new String[] {input}, new String[] {outputName});
        return outputName;
    }

    /** A float initializer. */
    public String floats(String base, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return initializer(base, FLOAT, dims, b.array());
    }

    /** An int64 initializer. */
    public String int64s(String base, long[] dims, long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return initializer(base, INT64, dims, b.array());
    }

    /** A float scalar initializer. */
    public String scalar(String base, float value) {
        return floats(base, new long[0], new float[] {value});
    }

    /** An initializer of raw little-endian bytes. */
    public String initializer(String base, int dataType, long[] dims, byte[] raw) {
        String n = fresh(base);
        initializers.add(new Tensor(n, dataType, dims.clone(), raw));
        initializerBytes += raw.length;
        return n;
    }

    /** A node of the default domain with one output; returns the output's name. */
    public String node(String opType, String[] in, Attribute... attributes) {
        String out = fresh(opType.toLowerCase(java.util.Locale.ROOT));
        addNode(opType, "", in, new String[] {out}, attributes);
        return out;
    }

    /** A {@code com.microsoft} contrib node with one output. */
    public String msNode(String opType, String[] in, Attribute... attributes) {
        usesMsDomain = true;
        String out = fresh(opType.toLowerCase(java.util.Locale.ROOT));
        addNode(opType, MS_DOMAIN, in, new String[] {out}, attributes);
        return out;
    }

    /**
     * A {@code com.microsoft} contrib node with several outputs; {@code wanted[i]} false leaves
     * optional output i unnamed (the first must be wanted).
     *
     * @return the outputs' names, null for those not wanted
     */
    public String[] msNode(String opType, String[] in, boolean[] wanted, Attribute... attributes) {
        usesMsDomain = true;
        String[] out = new String[wanted.length];
        String[] names = new String[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            names[i] = wanted[i] ? fresh(opType.toLowerCase(java.util.Locale.ROOT)) : null;
            out[i] = wanted[i] ? names[i] : ""; // "" marks an omitted optional output
        }
        addNode(opType, MS_DOMAIN, in, out, attributes);
        return names;
    }

    /** A {@code metadata_props} entry of the model. */
    public void metadata(String key, String value) {
        metadata.add(new String[] {key, value});
    }

    /** The nodes' operator types in graph order, contrib ones as {@code com.microsoft.Op}. */
    List<String> opTypes() {
        return List.copyOf(opTypes);
    }

    /** Bytes of all initializers. */
    public long initializerBytes() {
        return initializerBytes;
    }

    private void claim(String n) {
        if (!names.add(n)) {
            throw new SiglipException("ONNX graph " + name + ": the name " + n + " is used twice");
        }
    }

    private void addNode(String opType, String domain, String[] in, String[] out, Attribute... attributes) {
        ProtoWriter w = new ProtoWriter();
        for (String i : in) {
            w.string(1, i == null ? "" : i); // "" marks an omitted optional input
        }
        for (String o : out) {
            w.string(2, o);
        }
        w.string(3, out[0]).string(4, opType);
        for (Attribute a : attributes) {
            w.message(5, a.encoded());
        }
        if (!domain.isEmpty()) {
            w.string(7, domain);
        }
        nodes.add(field(1, w.toByteArray()));
        opTypes.add(domain.isEmpty() ? opType : domain + "." + opType);
    }

    private static byte[] valueInfo(String n, int elemType, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof Number num) {
                dim.int64(1, num.longValue());
            } else {
                dim.string(2, d.toString());
            }
            shape.message(1, dim);
        }
        ProtoWriter tensorType = new ProtoWriter().int64(1, elemType).message(2, shape);
        ProtoWriter type = new ProtoWriter().message(1, tensorType);
        return field(0, new ProtoWriter().string(1, n).message(2, type).toByteArray());
    }

    /** A message as a whole field (tag + length + bytes); field 0 leaves the tag for later. */
    private static byte[] field(int number, byte[] message) {
        return number == 0 ? message : new ProtoWriter().bytes(number, message).toByteArray();
    }

    /**
     * Writes the model file, and {@code <file name>.data} beside it when the initializers pass
     * {@link #EXTERNAL_DATA_ABOVE} bytes or {@code forceExternal} is set.
     *
     * @param file the {@code .onnx} file to write
     * @param producerVersion written as {@code producer_version}
     * @param forceExternal put every large initializer in external data whatever the total
     */
    public void write(Path file, String producerVersion, boolean forceExternal) {
        boolean external = forceExternal || initializerBytes > EXTERNAL_DATA_ABOVE;
        String dataName = file.getFileName() + ".data";
        try (OutputStream model = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
                OutputStream data = external
                        ? new BufferedOutputStream(Files.newOutputStream(file.resolveSibling(dataName)), 1 << 20)
                        : OutputStream.nullOutputStream()) {
            List<byte[]> graph = new ArrayList<>(nodes);
            graph.add(new ProtoWriter().string(2, name).toByteArray());
            long offset = 0;
            for (Tensor t : initializers) {
                ProtoWriter w = new ProtoWriter();
                for (long d : t.dims()) {
                    w.int64(1, d);
                }
                w.int64(2, t.dataType()).string(8, t.name());
                if (external && t.raw().length >= EXTERNAL_MIN_BYTES) {
                    w.message(13, new ProtoWriter().string(1, "location").string(2, dataName));
                    w.message(13, new ProtoWriter().string(1, "offset").string(2, Long.toString(offset)));
                    w.message(13, new ProtoWriter().string(1, "length").string(2, Long.toString(t.raw().length)));
                    w.int64(14, 1);
                    data.write(t.raw());
                    offset += t.raw().length;
                    graph.add(field(5, w.toByteArray()));
                } else {
                    // the raw bytes are written from the array itself: header, then data
                    byte[] head = w.toByteArray();
                    byte[] rawTag = new ProtoWriter().lengthPrefix(9, t.raw().length).toByteArray();
                    graph.add(new ProtoWriter().lengthPrefix(5, (long) head.length + rawTag.length + t.raw().length)
                            .toByteArray());
                    graph.add(head);
                    graph.add(rawTag);
                    graph.add(t.raw());
                }
            }
            for (byte[] in : inputs) {
                graph.add(field(11, in));
            }
            for (byte[] out : outputs) {
                graph.add(field(12, out));
            }
            long graphLength = 0;
            for (byte[] part : graph) {
                graphLength += part.length;
            }
            ProtoWriter head = new ProtoWriter().int64(1, IR_VERSION).string(2, "siglip4j")
                    .string(3, producerVersion);
            head.message(8, new ProtoWriter().string(1, "").int64(2, OPSET));
            if (usesMsDomain) {
                head.message(8, new ProtoWriter().string(1, MS_DOMAIN).int64(2, 1));
            }
            for (String[] kv : metadata) {
                head.message(14, new ProtoWriter().string(1, kv[0]).string(2, kv[1]));
            }
            head.lengthPrefix(7, graphLength);
            model.write(head.toByteArray());
            for (byte[] part : graph) {
                model.write(part);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot write ONNX model " + file + ": " + e.getMessage(), e);
        }
    }
}
