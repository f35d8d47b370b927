package org.siglip4j.core.checkpoint;

import ai.djl.ndarray.types.DataType;
import org.siglip4j.core.SiglipException;

/** Safetensors element types this reader understands. */
public enum DType {
    /** 64-bit float. */
    F64(8, DataType.FLOAT64),
    /** 32-bit float. */
    F32(4, DataType.FLOAT32),
    /** IEEE half; widened to float32 on load. */
    F16(2, DataType.FLOAT32),
    /** bfloat16; widened to float32 on load (BF16 NDArrays are not usable in DJL 0.35.1). */
    BF16(2, DataType.FLOAT32),
    /** 64-bit integer. */
    I64(8, DataType.INT64),
    /** 32-bit integer. */
    I32(4, DataType.INT32),
    /** 16-bit integer; widened to int32 on load. */
    I16(2, DataType.INT32),
    /** 8-bit integer. */
    I8(1, DataType.INT8),
    /** 8-bit unsigned integer. */
    U8(1, DataType.UINT8),
    /** Boolean, one byte. */
    BOOL(1, DataType.BOOLEAN);

    private final int bytes;
    private final DataType loadedAs;

    DType(int bytes, DataType loadedAs) {
        this.bytes = bytes;
        this.loadedAs = loadedAs;
    }

    /** Bytes per element in the file. */
    public int bytes() {
        return bytes;
    }

    /** The DJL type of the NDArray a tensor of this type is loaded as. */
    public DataType loadedAs() {
        return loadedAs;
    }

    /** Parses the header's dtype string. */
    public static DType parse(String s, String tensor) {
        try {
            return valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new SiglipException("tensor '" + tensor + "' has unsupported dtype '" + s
                    + "' (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
    }

    /** The safetensors type of a DJL array when written as is. */
    public static DType of(DataType t) {
        return switch (t) {
            case FLOAT64 -> F64;
            case FLOAT32 -> F32;
            case FLOAT16 -> F16;
            case INT64 -> I64;
            case INT32 -> I32;
            case INT8 -> I8;
            case UINT8 -> U8;
            case BOOLEAN -> BOOL;
            default -> throw new SiglipException("cannot write an NDArray of type " + t + " to safetensors");
        };
    }
}
