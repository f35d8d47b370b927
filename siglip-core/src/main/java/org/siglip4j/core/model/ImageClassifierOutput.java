package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Output of {@link SiglipForImageClassification}.
 *
 * @param logits [B, num_labels]
 * @param lastHiddenState [B, P, D] of the vision tower
 */
public record ImageClassifierOutput(NDArray logits, NDArray lastHiddenState) {}
