package org.siglip4j.core.engine;

import ai.djl.ndarray.NDArray;
import org.siglip4j.core.model.SiglipModel;

/** The towers as DJL blocks on the PyTorch engine: the model's own inference methods. */
public final class PyTorchEngine implements SiglipEngine {
    private final SiglipModel model;

    /** The engine of a loaded model. */
    public PyTorchEngine(SiglipModel model) {
        this.model = model;
    }

    @Override
    public NDArray imageFeatures(NDArray pixelValues, boolean normalize) {
        return normalize ? model.imageEmbeds(pixelValues) : model.getImageFeatures(pixelValues);
    }

    @Override
    public NDArray textFeatures(NDArray inputIds, boolean normalize) {
        return normalize ? model.textEmbeds(inputIds) : model.getTextFeatures(inputIds);
    }

    @Override
    public EngineType type() {
        return EngineType.PYTORCH;
    }

    @Override
    public void close() {
        // the model belongs to the caller
    }
}
