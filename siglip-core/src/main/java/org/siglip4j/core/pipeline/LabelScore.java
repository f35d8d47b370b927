package org.siglip4j.core.pipeline;

/**
 * One candidate label and its score for one image.
 *
 * @param label the candidate label as given (not the filled-in template)
 * @param score {@code sigmoid(logit)}, in [0, 1]; SigLIP scores are independent per label and do
 *     not sum to 1
 */
public record LabelScore(String label, double score) {}
