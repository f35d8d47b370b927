package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import java.util.List;
import org.siglip4j.core.nn.CheckpointedStages;

/**
 * A tower's pooled features computed with activation checkpointing
 * ({@link SiglipModel#getImageFeaturesCheckpointed}, {@link SiglipModel#getTextFeaturesCheckpointed}).
 * Back-propagate into {@link #features()} as usual, then call {@link #backward()} to carry the
 * gradient on through the encoder layers and the embeddings; {@link #close()} frees what is left.
 *
 * @param features [B, D] pooled features, differentiable through the tower's last stage only
 * @param chunks one checkpointed run per training chunk of rows
 */
public record CheckpointedFeatures(NDArray features, List<CheckpointedStages> chunks) implements AutoCloseable {

    /** Completes the backward pass of every chunk (see {@link CheckpointedStages#backward()}). */
    public void backward() {
        for (CheckpointedStages c : chunks) {
            c.backward();
        }
    }

    /** Frees the kept activations of every chunk. */
    @Override
    public void close() {
        for (CheckpointedStages c : chunks) {
            c.close();
        }
    }
}
