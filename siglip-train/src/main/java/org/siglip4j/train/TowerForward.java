package org.siglip4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import org.siglip4j.core.model.CheckpointedFeatures;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.GradMode;

import java.util.ArrayList;
import java.util.List;

/**
 * How the contrastive task runs both towers on one piece: the model family and the memory
 * strategy are chosen once, when the trainer is built, instead of being branches of the step.
 */
sealed interface TowerForward {

    /**
     * One piece's (not yet normalised) features, and, with gradient checkpointing, the
     * checkpointed runs whose backward pass follows the surrogate's.
     */
    record Features(NDArray image, NDArray text, List<CheckpointedFeatures> checkpointed) {}

    /**
     * Runs both towers.
     *
     * @param ps the piece's replica
     * @param images the image tower's inputs
     * @param ids token ids
     * @return the features
     */
    Features run(ParameterStore ps, NDList images, NDArray ids);

    /** SigLIP with the whole graph kept for the backward pass. */
    record Eager(SiglipModel model) implements TowerForward {
        @Override
        public Features run(ParameterStore ps, NDList images, NDArray ids) {
            return new Features(model.getImageFeatures(ps, images.singletonOrThrow(), true),
                    model.getTextFeatures(ps, ids, true), List.of());
        }
    }

    /**
     * SigLIP with gradient checkpointing ({@link TrainerConfig#gradientCheckpointing()}): a tower
     * with trainable parameters keeps only its encoder layers' inputs and recomputes the layers
     * after the surrogate's backward pass ({@link CheckpointedFeatures}). A frozen tower, or any
     * tower while no graph is recorded, runs eagerly: it records no graph anyway.
     */
    record Checkpointed(SiglipModel model, boolean imageTrains, boolean textTrains) implements TowerForward {
        @Override
        public Features run(ParameterStore ps, NDList images, NDArray ids) {
            List<CheckpointedFeatures> checkpointed = new ArrayList<>();
            NDArray px = images.singletonOrThrow();
            boolean recording = GradMode.isEnabled();
            NDArray image = imageTrains && recording
                    ? keep(checkpointed, model.getImageFeaturesCheckpointed(ps, px, true))
                    : model.getImageFeatures(ps, px, true);
            NDArray text = textTrains && recording
                    ? keep(checkpointed, model.getTextFeaturesCheckpointed(ps, ids, true))
                    : model.getTextFeatures(ps, ids, true);
            return new Features(image, text, checkpointed);
        }

        private static NDArray keep(List<CheckpointedFeatures> checkpointed, CheckpointedFeatures c) {
            checkpointed.add(c);
            return c.features();
        }
    }

    /** SigLIP 2 NaFlex: packed patch sequences with their attention mask and spatial shapes. */
    record NaFlex(Siglip2Model model) implements TowerForward {
        @Override
        public Features run(ParameterStore ps, NDList images, NDArray ids) {
            return new Features(model.getImageFeatures(ps, images.get(0), images.get(1), images.get(2), true),
                    model.getTextFeatures(ps, ids, true), List.of());
        }
    }
}
