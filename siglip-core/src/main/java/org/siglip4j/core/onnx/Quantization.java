package org.siglip4j.core.onnx;

import java.util.Locale;
import org.siglip4j.core.SiglipException;

/**
 * How the exporter stores the weights of the linear layers (the attention projections, the MLPs,
 * the pooling head and the text head: nearly all of a SigLIP's parameters and FLOPs). Embeddings,
 * LayerNorms and the patch convolution stay float32 in every mode.
 */
public enum Quantization {
    /** float32 weights, {@code MatMul} + {@code Add}. */
    FLOAT32("float32"),
    /**
     * Dynamic int8: int8 weights with one symmetric scale per output column, activations quantised
     * to uint8 per call, integer product ({@code com.microsoft DynamicQuantizeMatMul}, the op ONNX
     * Runtime's own {@code quantize_dynamic} fuses to).
     */
    INT8("int8"),
    /**
     * Weight-only int4: 4-bit weights in blocks of {@value SiglipOnnxExporter#BLOCK_SIZE} along the
     * input axis, one float scale per block, float activations ({@code com.microsoft MatMulNBits}).
     */
    INT4("int4"),
    /** Weight-only int8 in the same block layout ({@code MatMulNBits} with 8 bits). */
    INT8_WEIGHTS("int8-weights");

    private final String label;

    Quantization(String label) {
        this.label = label;
    }

    /** The name used on the command line and in cache keys. */
    public String label() {
        return label;
    }

    /**
     * Parses a command-line name: {@code float32} (also {@code none}, {@code fp32}), {@code int8},
     * {@code int4}, {@code int8-weights}.
     */
    public static Quantization parse(String s) {
        if (s == null || s.isBlank()) {
            return FLOAT32;
        }
        String n = s.strip().toLowerCase(Locale.ROOT);
        if (n.equals("none") || n.equals("fp32") || n.equals("f32")) {
            return FLOAT32;
        }
        for (Quantization q : values()) {
            if (q.label.equals(n)) {
                return q;
            }
        }
        throw new SiglipException("unknown quantization '" + s + "': expected float32, int8, int4 or int8-weights");
    }
}
