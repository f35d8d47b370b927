package org.siglip4j.core.onnx;

/**
 * Symmetric quantisation of a linear layer's weight W [out, in] (row-major, torch's layout) into the
 * layouts ONNX Runtime's integer kernels read. Symmetric (zero point 0, or the unsigned middle)
 * because SigLIP's weights are centred near zero; scales are chosen so the largest magnitude of a
 * group maps to the largest code, never clipped.
 */
final class QuantizedWeights {
    private QuantizedWeights() {}

    /** int8 codes of W^T [in, out] (row-major) and one scale per output column. */
    record PerColumn(byte[] values, float[] scales) {}

    /** uint8 blocks [out, blocks, blockBytes] and one scale per block ([out, blocks]). */
    record Blocks(byte[] values, float[] scales, int blocksPerRow) {}

    /** Per-column int8 for {@code DynamicQuantizeMatMul}: code = round(w / s), s = max|w| / 127. */
    static PerColumn int8PerColumn(float[] w, int out, int in) {
        float[] scales = new float[out];
        byte[] q = new byte[out * in];
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int i = 0; i < in; i++) {
                max = Math.max(max, Math.abs(w[o * in + i]));
            }
            float s = max == 0 ? 1f : max / 127f;
            scales[o] = s;
            for (int i = 0; i < in; i++) {
                int code = Math.round(w[o * in + i] / s);
                q[i * out + o] = (byte) Math.max(-127, Math.min(127, code));
            }
        }
        return new PerColumn(q, scales);
    }

    /**
     * Blocks along the input axis for {@code MatMulNBits}: each row of W is cut into blocks of
     * {@code blockSize} (the last padded with zeros), each block gets s = max|w| / (2^(bits-1) - 1),
     * codes are round(w / s) + 2^(bits-1) (the op's default zero point, so none is stored), and
     * 4-bit codes are packed two to a byte, the first in the low nibble.
     */
    static Blocks blocks(float[] w, int out, int in, int bits, int blockSize) {
        int blocks = (in + blockSize - 1) / blockSize;
        int blockBytes = blockSize * bits / 8;
        int zero = 1 << (bits - 1);
        int maxCode = zero - 1;
        byte[] q = new byte[out * blocks * blockBytes];
        float[] scales = new float[out * blocks];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < blocks; b++) {
                int from = b * blockSize;
                int to = Math.min(in, from + blockSize);
                float max = 0;
                for (int i = from; i < to; i++) {
                    max = Math.max(max, Math.abs(w[o * in + i]));
                }
                float s = max == 0 ? 1f : max / maxCode;
                scales[o * blocks + b] = s;
                int base = (o * blocks + b) * blockBytes;
                for (int k = 0; k < blockSize; k++) {
                    int i = from + k;
                    int code = i < to ? Math.max(-zero, Math.min(maxCode, Math.round(w[o * in + i] / s))) + zero : zero;
                    if (bits == 8) {
                        q[base + k] = (byte) code;
                    } else {
                        q[base + k / 2] |= (byte) ((k % 2 == 0) ? code : code << 4);
                    }
                }
            }
        }
        return new Blocks(q, scales, blocks);
    }
}
