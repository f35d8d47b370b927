package org.siglip4j.core.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.siglip4j.core.SiglipException;

/**
 * A minimal reader of the protobuf wire format over a byte range. Every length is checked against
 * the bytes that remain before anything is allocated, so a corrupt or hostile file fails with a
 * {@link SiglipException} instead of an out-of-memory error or an index exception.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private final String what;
    private int pos;

    ProtoReader(byte[] buf, int start, int end, String what) {
        if (start < 0 || end > buf.length || start > end) {
            throw new IllegalArgumentException("bad range");
        }
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.what = what;
    }

    boolean hasMore() {
        return pos < end;
    }

    private SiglipException error(String message) {
        return new SiglipException(what + ": invalid protobuf at byte " + pos + ": " + message
                + " (is this a sentencepiece .model file?)");
    }

    /** Reads a tag; returns {@code fieldNumber << 3 | wireType}. */
    int readTag() {
        long tag = readVarint();
        if (tag <= 0 || tag > 0xFFFF_FFFFL || (tag >>> 3) == 0) {
            throw error("invalid field tag " + tag);
        }
        int wire = (int) (tag & 7);
        if (wire != VARINT && wire != FIXED64 && wire != LENGTH_DELIMITED && wire != FIXED32) {
            throw error("unsupported wire type " + wire + " (groups are not used by sentencepiece)");
        }
        return (int) tag;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw error("truncated varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw error("varint longer than 10 bytes");
    }

    /** An int32/enum field: negative values are sign-extended 10-byte varints; keep the low 32 bits. */
    int readInt32() {
        return (int) readVarint();
    }

    boolean readBool() {
        return readVarint() != 0;
    }

    float readFloat() {
        return Float.intBitsToFloat(readFixed32());
    }

    int readFixed32() {
        require(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private void require(long n) {
        if (n < 0 || n > end - pos) {
            throw error("field of " + n + " bytes but only " + (end - pos) + " remain");
        }
    }

    /** Reads a length prefix and returns the sub-range [start, end) it covers, advancing past it. */
    int[] readLengthDelimited() {
        long len = readVarint();
        require(len);
        int start = pos;
        pos += (int) len;
        return new int[] {start, pos};
    }

    ProtoReader readMessage(String name) {
        int[] r = readLengthDelimited();
        return new ProtoReader(buf, r[0], r[1], what + " " + name);
    }

    byte[] readBytes() {
        int[] r = readLengthDelimited();
        byte[] out = new byte[r[1] - r[0]];
        System.arraycopy(buf, r[0], out, 0, out.length);
        return out;
    }

    String readString(String field) {
        int[] r = readLengthDelimited();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(buf, r[0], r[1] - r[0]))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error(field + " is not valid UTF-8");
        }
    }

    void skip(int tag) {
        switch (tag & 7) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                require(8);
                pos += 8;
            }
            case LENGTH_DELIMITED -> readLengthDelimited();
            case FIXED32 -> {
                require(4);
                pos += 4;
            }
            default -> throw error("unsupported wire type " + (tag & 7));
        }
    }

    /** Throws unless the tag has the expected wire type. */
    void expectWire(int tag, int wire, String field) {
        if ((tag & 7) != wire) {
            throw error(field + " has wire type " + (tag & 7) + ", expected " + wire);
        }
    }
}
