package org.siglip4j.core.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.siglip4j.core.SiglipException;

/**
 * A tensor's bytes as they go into a safetensors file (little-endian, C order).
 *
 * @param dtype element type in the file
 * @param shape dimensions
 * @param data exactly {@code numel * dtype.bytes()} bytes
 */
public record RawTensor(DType dtype, long[] shape, ByteBuffer data) {
    /** Checks the byte length against dtype and shape. */
    public RawTensor {
        long n = 1;
        for (long s : shape) {
            n = Math.multiplyExact(n, s);
        }
        if (data.remaining() != n * dtype.bytes()) {
            throw new SiglipException("tensor of " + dtype + Arrays.toString(shape) + " needs " + n * dtype.bytes()
                    + " bytes, got " + data.remaining());
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The bytes of an NDArray in its own type. On the CPU they are the array's own memory, not a
     * copy (a copy of every parameter passed through the Java heap, which grew by the model's size
     * for each save and kept the pages), so the result is valid only while {@code array} is open
     * and unchanged: write it out, then let it go. (A non-contiguous view is first made contiguous
     * by the engine, into an array owned by the view's manager.)
     */
    public static RawTensor of(NDArray array) {
        DType t = DType.of(array.getDataType());
        ByteBuffer b = array.toByteBuffer(Device.cpu().equals(array.getDevice())).order(ByteOrder.LITTLE_ENDIAN);
        return new RawTensor(t, array.getShape().getShape(), b);
    }

    /** float values stored as F32, F16 or BF16 (rounded to nearest even). */
    public static RawTensor ofFloats(float[] values, long[] shape, DType dtype) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float16.floatToF16(v));
                case BF16 -> b.putShort(Float16.floatToBf16(v));
                case F64 -> b.putDouble(v);
                default -> throw new SiglipException("ofFloats cannot write " + dtype);
            }
        }
        b.flip();
        return new RawTensor(dtype, shape, b);
    }
}
