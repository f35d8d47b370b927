package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * Output of one tower.
 *
 * @param lastHiddenState [B, L, D] after the final LayerNorm
 * @param poolerOutput [B, D'] pooled output (MAP head or text head), not normalised; null for a
 *     vision tower without head
 */
public record BaseModelOutput(NDArray lastHiddenState, NDArray poolerOutput) {}
