package org.siglip4j.core.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protobuf wire format, write side only: varints, fixed 32-bit values and length-delimited
 * fields (strings, bytes, nested messages). ONNX files need nothing more, so the exporter writes
 * them without the protobuf runtime or generated classes (see README, "Dependencies and why").
 */
final class ProtoWriter {
    private static final int VARINT = 0;
    private static final int FIXED32 = 5;
    private static final int LENGTH_DELIMITED = 2;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** An int64/int32/enum field (negative values as ten-byte varints, as protobuf does). */
    ProtoWriter int64(int field, long value) {
        tag(field, VARINT);
        varint(value);
        return this;
    }

    /** A float field. */
    ProtoWriter float32(int field, float value) {
        tag(field, FIXED32);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    /** A string field (UTF-8). */
    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A bytes field. */
    ProtoWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        varint(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    /** The tag and length of a length-delimited field whose {@code length} bytes the caller writes next. */
    ProtoWriter lengthPrefix(int field, long length) {
        tag(field, LENGTH_DELIMITED);
        varint(length);
        return this;
    }

    /** A nested message field. */
    ProtoWriter message(int field, ProtoWriter message) {
        return bytes(field, message.toByteArray());
    }

    /** The bytes written so far. */
    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
