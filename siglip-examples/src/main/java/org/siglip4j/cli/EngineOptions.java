package org.siglip4j.cli;

import java.nio.file.Path;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.onnx.Quantization;
import picocli.CommandLine.Option;

/** The engine options of the commands that run a model: read once into an {@link ExecutionPolicy}. */
final class EngineOptions {
    @Option(names = "--engine", paramLabel = "pytorch|onnxruntime", defaultValue = "pytorch",
            description = "Inference engine: pytorch (default) or onnxruntime (the model is exported to ONNX in "
                    + "Java on first use and cached next to it, or in ~/.cache/siglip4j/onnx when its folder is "
                    + "read-only).")
    String engine;

    @Option(names = "--quantize", paramLabel = "float32|int8|int4|int8-weights",
            description = "Weights of the linear layers with --engine onnxruntime: float32 (default), int8 (dynamic "
                    + "int8), int4 or int8-weights (weight-only, blocks of 32).")
    String quantize;

    @Option(names = "--onnx-cache", paramLabel = "DIR",
            description = "Where --engine onnxruntime keeps exported graphs (default: next to the model, or "
                    + "~/.cache/siglip4j/onnx when the model folder is read-only).")
    Path onnxCache;

    /** The policy these options name; a bad value or combination is one error line. */
    ExecutionPolicy policy() {
        return ExecutionPolicy.of(EngineType.parse(engine)).withQuantization(Quantization.parse(quantize))
                .withOnnxCacheDir(onnxCache);
    }
}
