package org.siglip4j.train;

import java.util.Map;
import java.util.OptionalDouble;

/**
 * The metrics of one optimiser step, as logged to {@code metrics.jsonl}.
 *
 * @param step steps completed (1-based: the step just finished)
 * @param totalSteps steps the run will take
 * @param epoch the data epoch the step's batch came from (0-based)
 * @param loss the step's loss
 * @param learningRate the learning rate the step used
 * @param gradNorm the global gradient norm before clipping
 * @param pairsPerSecond training throughput of this run so far
 * @param evalAccuracy the evaluation result when this step ran one
 * @param metrics the whole logged row (including trainer-specific values such as the temperature)
 */
public record TrainingProgress(int step, int totalSteps, int epoch, double loss, double learningRate,
        double gradNorm, double pairsPerSecond, OptionalDouble evalAccuracy, Map<String, Object> metrics) {
    /** Copies the row so that the record stays immutable. */
    public TrainingProgress {
        metrics = Map.copyOf(metrics);
    }
}
