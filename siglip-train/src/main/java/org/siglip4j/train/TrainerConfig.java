package org.siglip4j.train;

import java.nio.file.Path;

/**
 * Everything a fine-tuning run needs to know besides the model and the data. Immutable; build it
 * with {@link #builder(Path)}.
 *
 * @param outputDir where checkpoints, the metrics log, the plot and the final model go
 * @param steps optimiser steps to run in total
 * @param batchSize the global batch (pairs per optimiser step, over all devices and micro-batches);
 *     the sigmoid loss sees every pair of it
 * @param accumulate micro-batches per device per step: embeddings are accumulated, not losses,
 *     so the loss equals the single-batch loss exactly (each tower runs twice)
 * @param devices shards of each batch; on a machine without GPUs these are logical devices on the
 *     CPU with their own parameter replicas
 * @param learningRate the peak learning rate
 * @param warmupSteps linear warm-up steps
 * @param minLearningRate the floor of the cosine decay
 * @param weightDecay decoupled weight decay (not applied to biases, norms, t', b)
 * @param clipNorm clip gradients to this global L2 norm; 0 for none
 * @param freeze which towers are frozen (locked-image tuning and the like)
 * @param seed data order and augmentation seed
 * @param checkpointEvery save a checkpoint every N steps (and at the end); 0 for only at the end
 * @param keepCheckpoints how many step checkpoints to keep (older ones are deleted)
 * @param workers decoding threads
 * @param prefetch batches prepared ahead
 * @param maxLogitScale bound on exp(t') during training (+infinity for none)
 * @param showProgress draw a progress bar on the console
 * @param adamEpsilon AdamW's epsilon
 * @param gradientCheckpointing keep only each encoder layer's input during the forward pass and
 *     recompute the layers during the backward pass (HF's {@code gradient_checkpointing}): much
 *     less memory for about one more forward pass of time; the gradients are the same
 */
public record TrainerConfig(Path outputDir, int steps, int batchSize, int accumulate, int devices,
                            double learningRate, int warmupSteps, double minLearningRate, double weightDecay,
                            double clipNorm, Freeze freeze, long seed, int checkpointEvery, int keepCheckpoints,
                            int workers, int prefetch, double maxLogitScale, boolean showProgress,
                            double adamEpsilon, boolean gradientCheckpointing) {

    /**
     * Which parameters train. Locked-image tuning (LiT, Zhai et al. 2022) freezes the vision tower;
     * {@code unlockLastImageBlocks} re-opens its last N encoder blocks together with what follows
     * them (post layer norm and the attention-pooling head). Likewise for the text tower.
     *
     * @param lockImage freeze the vision tower
     * @param unlockLastImageBlocks with {@code lockImage}, train the last N vision blocks anyway
     * @param lockText freeze the text tower
     * @param unlockLastTextBlocks with {@code lockText}, train the last N text blocks anyway
     */
    public record Freeze(boolean lockImage, int unlockLastImageBlocks, boolean lockText, int unlockLastTextBlocks) {
        /** Nothing frozen: full fine-tuning. */
        public static final Freeze NONE = new Freeze(false, 0, false, 0);

        /** Validates the counts. */
        public Freeze {
            if (unlockLastImageBlocks < 0 || unlockLastTextBlocks < 0) {
                throw new IllegalArgumentException("unlock counts must be >= 0");
            }
        }
    }

    /** Validates the combination. */
    public TrainerConfig {
        if (steps <= 0) {
            throw new IllegalArgumentException("steps must be positive, got " + steps);
        }
        if (devices <= 0 || accumulate <= 0) {
            throw new IllegalArgumentException("devices and accumulate must be positive, got " + devices + ", "
                    + accumulate);
        }
        if (batchSize < devices * accumulate) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be at least devices x accumulate = "
                    + devices * accumulate);
        }
        if (warmupSteps > steps) {
            throw new IllegalArgumentException("warm-up (" + warmupSteps + ") longer than the run (" + steps + ")");
        }
        if (!(adamEpsilon > 0)) {
            throw new IllegalArgumentException("AdamW epsilon must be positive, got " + adamEpsilon);
        }
        if (clipNorm < 0 || checkpointEvery < 0 || keepCheckpoints < 1 || workers < 1 || prefetch < 0) {
            throw new IllegalArgumentException("clip norm and checkpoint interval must be >= 0, keep >= 1, workers >= 1");
        }
    }

    /** A builder with fine-tuning defaults (lr 1e-5, 10% warm-up, weight decay 1e-4, clip 1.0). */
    public static Builder builder(Path outputDir) {
        return new Builder(outputDir);
    }

    /** Builder for {@link TrainerConfig}. */
    public static final class Builder {
        private final Path outputDir;
        private int steps = 100;
        private int batchSize = 32;
        private int accumulate = 1;
        private int devices = 1;
        private double learningRate = 1e-5;
        private Integer warmupSteps;
        private double minLearningRate;
        private double weightDecay = 1e-4;
        private double clipNorm = 1.0;
        private Freeze freeze = Freeze.NONE;
        private long seed = 42;
        private int checkpointEvery;
        private int keepCheckpoints = 2;
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int prefetch = 2;
        private double maxLogitScale = 100;
        private boolean showProgress = true;
        private double adamEpsilon = 1e-8;
        private boolean gradientCheckpointing;

        private Builder(Path outputDir) {
            this.outputDir = outputDir;
        }

        /** Optimiser steps. */
        public Builder optSteps(int v) {
            steps = v;
            return this;
        }

        /** Global batch size. */
        public Builder optBatchSize(int v) {
            batchSize = v;
            return this;
        }

        /** Micro-batches per device. */
        public Builder optAccumulate(int v) {
            accumulate = v;
            return this;
        }

        /** Number of (logical) devices. */
        public Builder optDevices(int v) {
            devices = v;
            return this;
        }

        /** Peak learning rate. */
        public Builder optLearningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Warm-up steps (default: 10% of the run). */
        public Builder optWarmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        /** Cosine floor. */
        public Builder optMinLearningRate(double v) {
            minLearningRate = v;
            return this;
        }

        /** Weight decay. */
        public Builder optWeightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Global-norm clipping (0 = off). */
        public Builder optClipNorm(double v) {
            clipNorm = v;
            return this;
        }

        /** Frozen towers. */
        public Builder optFreeze(Freeze v) {
            freeze = v;
            return this;
        }

        /** Seed. */
        public Builder optSeed(long v) {
            seed = v;
            return this;
        }

        /** Checkpoint interval (0 = end only). */
        public Builder optCheckpointEvery(int v) {
            checkpointEvery = v;
            return this;
        }

        /** Step checkpoints kept. */
        public Builder optKeepCheckpoints(int v) {
            keepCheckpoints = v;
            return this;
        }

        /** Decoding threads. */
        public Builder optWorkers(int v) {
            workers = v;
            return this;
        }

        /** Batches prepared ahead. */
        public Builder optPrefetch(int v) {
            prefetch = v;
            return this;
        }

        /** Bound on exp(t'). */
        public Builder optMaxLogitScale(double v) {
            maxLogitScale = v;
            return this;
        }

        /** Console progress bar. */
        public Builder optShowProgress(boolean v) {
            showProgress = v;
            return this;
        }

        /**
         * AdamW's epsilon (default 1e-8). Parameters whose true gradient is zero (the attention
         * key biases: softmax ignores a shift shared by all keys) get float-rounding noise as
         * gradient, which Adam scales up to steps of about the learning rate; a larger epsilon
         * damps that.
         */
        public Builder optAdamEpsilon(double v) {
            adamEpsilon = v;
            return this;
        }

        /** Activation checkpointing per encoder layer (default off). */
        public Builder optGradientCheckpointing(boolean v) {
            gradientCheckpointing = v;
            return this;
        }

        /** Validates and builds. */
        public TrainerConfig build() {
            int warm = warmupSteps != null ? warmupSteps : steps / 10;
            return new TrainerConfig(outputDir, steps, batchSize, accumulate, devices, learningRate, warm,
                    minLearningRate, weightDecay, clipNorm, freeze, seed, checkpointEvery, keepCheckpoints, workers,
                    prefetch, maxLogitScale, showProgress, adamEpsilon, gradientCheckpointing);
        }
    }
}
