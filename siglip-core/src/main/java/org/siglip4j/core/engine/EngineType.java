package org.siglip4j.core.engine;

import java.util.Locale;
import org.siglip4j.core.SiglipException;

/** The inference engines a pipeline can run on. */
public enum EngineType {
    /** The DJL PyTorch engine running the model's blocks (the default; training always runs here). */
    PYTORCH("pytorch"),
    /** ONNX Runtime (CPU provider) on graphs exported from the loaded model. */
    ONNXRUNTIME("onnxruntime");

    private final String label;

    EngineType(String label) {
        this.label = label;
    }

    /** The name used on the command line. */
    public String label() {
        return label;
    }

    /** Parses {@code pytorch} or {@code onnxruntime} (also {@code ort}, {@code onnx}); null or blank is PyTorch. */
    public static EngineType parse(String s) {
        if (s == null || s.isBlank()) {
            return PYTORCH;
        }
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "pytorch", "torch", "pt" -> PYTORCH;
            case "onnxruntime", "ort", "onnx" -> ONNXRUNTIME;
            default -> throw new SiglipException("unknown engine '" + s + "': expected pytorch or onnxruntime");
        };
    }
}
