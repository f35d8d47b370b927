package org.siglip4j.train.optim;

/**
 * Linear warm-up from 0 to the peak rate, then cosine decay to {@code minLr} at {@code totalSteps}:
 * the schedule big_vision and open_clip use for SigLIP fine-tuning.
 *
 * @param peakLr the learning rate reached at the end of warm-up
 * @param warmupSteps steps of linear warm-up (0 for none)
 * @param totalSteps the step at which the cosine reaches {@code minLr}
 * @param minLr the floor of the cosine
 */
public record LearningRateSchedule(double peakLr, int warmupSteps, int totalSteps, double minLr) {

    /** Validates the schedule. */
    public LearningRateSchedule {
        if (!(peakLr > 0) || Double.isInfinite(peakLr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + peakLr);
        }
        if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "expected 0 <= warmup steps <= total steps and total > 0, got warmup " + warmupSteps
                            + " total " + totalSteps);
        }
        if (minLr < 0 || minLr > peakLr) {
            throw new IllegalArgumentException("expected 0 <= min lr <= peak lr, got " + minLr);
        }
    }

    /**
     * The learning rate for a 0-based optimiser step. Warm-up counts from step 0 so the first
     * update is already non-zero: {@code peak * (step + 1) / warmup}.
     */
    public double at(int step) {
        if (step < warmupSteps) {
            return peakLr * (step + 1) / warmupSteps;
        }
        int decaySteps = totalSteps - warmupSteps;
        if (decaySteps == 0) {
            return peakLr;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return minLr + 0.5 * (peakLr - minLr) * (1 + Math.cos(Math.PI * progress));
    }
}
