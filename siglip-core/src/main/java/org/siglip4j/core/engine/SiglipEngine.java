package org.siglip4j.core.engine;

import ai.djl.ndarray.NDArray;
import java.nio.file.Path;
import org.siglip4j.core.model.SiglipModel;

/**
 * The two towers of a loaded SigLIP, on one engine: what the pipelines call for embeddings. Inputs
 * are the processor's arrays; results are new arrays in the input's manager. Implementations are
 * safe for concurrent calls.
 */
public interface SiglipEngine extends AutoCloseable {
    /**
     * Image features.
     *
     * @param pixelValues [B, C, H, W] float32
     * @param normalize L2-normalised ({@code image_embeds}) or the pooling head's output ({@code pooler_output})
     * @return [B, D]
     */
    NDArray imageFeatures(NDArray pixelValues, boolean normalize);

    /**
     * Text features.
     *
     * @param inputIds [B, L] token ids
     * @param normalize L2-normalised ({@code text_embeds}) or the head's output ({@code pooler_output})
     * @return [B, D]
     */
    NDArray textFeatures(NDArray inputIds, boolean normalize);

    /** The engine's type. */
    EngineType type();

    /** Frees what the engine holds beyond the model (the model stays with its owner). */
    @Override
    void close();

    /**
     * Opens the policy's engine for a loaded model.
     *
     * @param model the loaded model (owned by the caller, who closes it after the engine)
     * @param modelDir the folder it came from (for the ONNX export cache), or null
     * @param policy the execution policy
     * @return the engine
     */
    static SiglipEngine open(SiglipModel model, Path modelDir, ExecutionPolicy policy) {
        return switch (policy.engine()) {
            case PYTORCH -> new PyTorchEngine(model);
            case ONNXRUNTIME -> OnnxRuntimeEngine.open(model, modelDir, policy);
        };
    }
}
