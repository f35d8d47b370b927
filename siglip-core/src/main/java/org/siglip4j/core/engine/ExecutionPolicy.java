package org.siglip4j.core.engine;

import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.onnx.Quantization;

/**
 * How inference runs, chosen once where an application starts (the command line, a builder) and
 * passed down unchanged: nothing below reads a global to decide. Immutable; {@code withX} returns
 * a copy.
 *
 * @param engine the engine
 * @param quantization the weights of the ONNX Runtime engine's linear layers ({@link
 *     Quantization#FLOAT32} for the PyTorch engine, which has no quantised path)
 * @param onnxCacheDir where exported graphs are cached; null for next to the model (or the user
 *     cache when the model folder is read-only, see {@link org.siglip4j.core.onnx.OnnxExportCache})
 * @param threads ONNX Runtime intra-op threads; 0 for its default (one per physical core)
 * @param onnxFusedOps export for ONNX Runtime with its fused attention and GELU operators
 *     ({@code MultiHeadAttention}, {@code FastGelu}), which its optimiser does not find in the
 *     plain opset-17 graphs (default true)
 * @param compute the PyTorch towers' budgets and kernels (chunk bytes, attention kernel and score
 *     bytes, oneDNN linear), given to the model when a pipeline loads it; null leaves the model
 *     its own default, {@link ComputePolicy#fromSystemProperties()} read when it was built
 */
public record ExecutionPolicy(EngineType engine, Quantization quantization, Path onnxCacheDir, int threads,
        boolean onnxFusedOps, ComputePolicy compute) {
    /** PyTorch, float32: what every entry point did before the seam existed. */
    public static final ExecutionPolicy DEFAULT =
            new ExecutionPolicy(EngineType.PYTORCH, Quantization.FLOAT32, null, 0, true, null);

    /** Validates the combination. */
    public ExecutionPolicy {
        if (engine == null || quantization == null) {
            throw new SiglipException("an execution policy needs an engine and a quantization");
        }
        if (engine == EngineType.PYTORCH && quantization != Quantization.FLOAT32) {
            throw new SiglipException("quantization " + quantization.label() + " needs --engine onnxruntime "
                    + "(the PyTorch engine runs float32 only)");
        }
        if (threads < 0) {
            throw new SiglipException("threads must be 0 (default) or more, got " + threads);
        }
    }

    /** A policy that leaves the model its default compute policy (the record before {@code compute} existed). */
    public ExecutionPolicy(EngineType engine, Quantization quantization, Path onnxCacheDir, int threads,
            boolean onnxFusedOps) {
        this(engine, quantization, onnxCacheDir, threads, onnxFusedOps, null);
    }

    /** The policy of an engine, float32, default cache and threads. */
    public static ExecutionPolicy of(EngineType engine) {
        return DEFAULT.withEngine(engine);
    }

    /**
     * {@link #DEFAULT} with the compute policy the system properties describe, read now: what an
     * application's entry point builds once when it has no options of its own for the budgets.
     */
    public static ExecutionPolicy fromSystemProperties() {
        return DEFAULT.withCompute(ComputePolicy.fromSystemProperties());
    }

    /** A copy with that compute policy for the PyTorch towers (null: the model's own default). */
    public ExecutionPolicy withCompute(ComputePolicy c) {
        return new ExecutionPolicy(engine, quantization, onnxCacheDir, threads, onnxFusedOps, c);
    }

    /** A copy with that engine. */
    public ExecutionPolicy withEngine(EngineType e) {
        return new ExecutionPolicy(e, quantization, onnxCacheDir, threads, onnxFusedOps, compute);
    }

    /** A copy with that quantisation. */
    public ExecutionPolicy withQuantization(Quantization q) {
        return new ExecutionPolicy(engine, q, onnxCacheDir, threads, onnxFusedOps, compute);
    }

    /** A copy with that ONNX cache root. */
    public ExecutionPolicy withOnnxCacheDir(Path dir) {
        return new ExecutionPolicy(engine, quantization, dir, threads, onnxFusedOps, compute);
    }

    /** A copy with or without ONNX Runtime's fused operators in the exported graphs. */
    public ExecutionPolicy withOnnxFusedOps(boolean f) {
        return new ExecutionPolicy(engine, quantization, onnxCacheDir, threads, f, compute);
    }

    /** A copy with that number of ONNX Runtime threads. */
    public ExecutionPolicy withThreads(int n) {
        return new ExecutionPolicy(engine, quantization, onnxCacheDir, n, onnxFusedOps, compute);
    }
}
