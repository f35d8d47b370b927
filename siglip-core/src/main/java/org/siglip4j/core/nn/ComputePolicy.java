package org.siglip4j.core.nn;

import org.siglip4j.core.SiglipException;

/**
 * How the PyTorch towers compute: the memory budgets and kernels that change speed and memory
 * but never the result. Immutable; chosen once where an application starts (inside an {@link
 * org.siglip4j.core.engine.ExecutionPolicy}, or given to a model with {@code setCompute}) and
 * pushed down to the blocks, which never read a global while they run.
 *
 * <p>{@link #fromSystemProperties()}, read once when a model is built, starts from {@link #DEFAULT},
 * takes the kernels and chunk budgets of this machine's {@link KernelCalibration} when {@code siglip
 * calibrate} saved one ({@link CalibrationCache}), and lets the system properties {@value
 * #CHUNK_PROPERTY}, {@value #SCORES_PROPERTY} and {@value #ONEDNN_PROPERTY} override both.
 *
 * @param inferenceChunkBytes the most bytes of activations (the MLP's [rows, tokens,
 *     intermediate], float32) one inference chunk of images or texts may hold; a huge value turns
 *     chunking off
 * @param trainingChunkBytes the same budget for training, where every chunk's activations stay
 *     alive until the backward pass
 * @param attention the attention kernel, as Hugging Face's {@code attn_implementation}
 * @param attentionScoreBytes the most bytes of [B, H, L, L] attention scores the head-grouped
 *     kernel computes at once (1 computes one head at a time)
 * @param oneDnnLinear large float32 linear layers as oneDNN 1x1 convolutions (see {@code
 *     OneDnnLinear}) in inference; off by default, as it gave wrong embeddings on an AMD EPYC Zen 5
 * @param oneDnnTrainingLinear the same switch for calls made while autograd records (training), whose
 *     backward then runs on oneDNN too; a calibration may pick it apart from the inference one
 */
public record ComputePolicy(long inferenceChunkBytes, long trainingChunkBytes, AttentionImplementation attention,
        long attentionScoreBytes, boolean oneDnnLinear, boolean oneDnnTrainingLinear) {
    /** The system property that overrides both chunk budgets (bytes). */
    public static final String CHUNK_PROPERTY = "siglip4j.chunkBytes";
    /** The system property that overrides {@link #attentionScoreBytes} (bytes). */
    public static final String SCORES_PROPERTY = "siglip4j.attentionScoreBytes";
    /** The system property that turns the oneDNN linear path on ({@code true}). */
    public static final String ONEDNN_PROPERTY = "siglip4j.onednnLinear";

    /**
     * Inference chunks of 24 MiB: under glibc's 32 MiB mmap threshold, so a chunk is served from
     * memory {@link MallocTuning} keeps mapped, and as few chunks as that allows, since oneDNN's
     * per-call set-up does not shrink with the rows (docs/performance.md, "Larger inference
     * chunks").
     */
    static final long INFERENCE_CHUNK_BYTES = 24L << 20;
    /**
     * Training chunks of 12 MiB: larger blocks, alive until backward, fragment glibc's heaps
     * further without making a step faster (docs/performance.md, "Measurements behind design
     * choices").
     */
    static final long TRAINING_CHUNK_BYTES = 12L << 20;
    /**
     * Attention scores of at most 24 MiB at once: under glibc's 32 MiB mmap threshold, so the
     * scores reuse memory that stays mapped instead of a fresh mapping faulted in page by page in
     * every layer (so400m's 729 tokens pass it with one image).
     */
    static final long SCORES_BYTES = 24L << 20;

    /** The built-in values, what every model used before the policy existed when no property was set. */
    public static final ComputePolicy DEFAULT = new ComputePolicy(INFERENCE_CHUNK_BYTES, TRAINING_CHUNK_BYTES,
            AttentionImplementation.HEAD_GROUPED, SCORES_BYTES, false);

    /** A policy with one oneDNN switch for inference and training (the record before they were apart). */
    public ComputePolicy(long inferenceChunkBytes, long trainingChunkBytes, AttentionImplementation attention,
            long attentionScoreBytes, boolean oneDnnLinear) {
        this(inferenceChunkBytes, trainingChunkBytes, attention, attentionScoreBytes, oneDnnLinear, oneDnnLinear);
    }

    /** Validates the budgets. */
    public ComputePolicy {
        if (attention == null) {
            throw new SiglipException("a compute policy needs an attention implementation (eager or head_grouped)");
        }
        if (inferenceChunkBytes < 1 || trainingChunkBytes < 1 || attentionScoreBytes < 1) {
            throw new SiglipException("chunk and attention score budgets must be at least 1 byte, got "
                    + inferenceChunkBytes + ", " + trainingChunkBytes + " and " + attentionScoreBytes);
        }
    }

    /**
     * {@link #DEFAULT}, with this machine's calibration when one is cached ({@link
     * CalibrationCache#forThisMachine()}), with what the system properties {@value #CHUNK_PROPERTY},
     * {@value #SCORES_PROPERTY} and {@value #ONEDNN_PROPERTY} set, read now.
     */
    public static ComputePolicy fromSystemProperties() {
        ComputePolicy p = CalibrationCache.forThisMachine().map(c -> c.applyTo(DEFAULT)).orElse(DEFAULT);
        Long chunk = Long.getLong(CHUNK_PROPERTY);
        if (chunk != null) {
            p = p.withChunkBytes(chunk);
        }
        Long scores = Long.getLong(SCORES_PROPERTY);
        if (scores != null) {
            p = p.withAttentionScoreBytes(scores);
        }
        String oneDnn = System.getProperty(ONEDNN_PROPERTY);
        return oneDnn == null ? p : p.withOneDnnLinear(Boolean.parseBoolean(oneDnn));
    }

    /** A copy with both chunk budgets set to {@code bytes}, as {@value #CHUNK_PROPERTY} sets them. */
    public ComputePolicy withChunkBytes(long bytes) {
        return withChunkBytes(bytes, bytes);
    }

    /** A copy with those inference and training chunk budgets. */
    public ComputePolicy withChunkBytes(long inference, long training) {
        return new ComputePolicy(inference, training, attention, attentionScoreBytes, oneDnnLinear, oneDnnTrainingLinear);
    }

    /** A copy with that attention kernel. */
    public ComputePolicy withAttention(AttentionImplementation a) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, a, attentionScoreBytes, oneDnnLinear,
                oneDnnTrainingLinear);
    }

    /** A copy with that attention score budget. */
    public ComputePolicy withAttentionScoreBytes(long bytes) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, attention, bytes, oneDnnLinear,
                oneDnnTrainingLinear);
    }

    /** A copy with the oneDNN linear path on or off, in inference and training alike. */
    public ComputePolicy withOneDnnLinear(boolean on) {
        return withOneDnnLinear(on, on);
    }

    /** A copy with the oneDNN linear path on or off in inference and, apart, under autograd. */
    public ComputePolicy withOneDnnLinear(boolean inference, boolean training) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, attention, attentionScoreBytes, inference,
                training);
    }

    /**
     * The oneDNN switch for a call made now on this thread: {@link #oneDnnTrainingLinear} while
     * autograd records (its backward follows the forward's op), else {@link #oneDnnLinear}.
     */
    public boolean oneDnnLinearNow() {
        if (oneDnnLinear == oneDnnTrainingLinear) {
            return oneDnnLinear;
        }
        return GradMode.isEnabled() ? oneDnnTrainingLinear : oneDnnLinear;
    }

    /** One line for a benchmark's header: the linear kernels and the budgets. */
    public String describe() {
        return "linear " + kernel(oneDnnLinear) + " (inference), " + kernel(oneDnnTrainingLinear) + " (training); chunks "
                + KernelCalibration.mib(inferenceChunkBytes) + " (inference), " + KernelCalibration.mib(trainingChunkBytes)
                + " (training); attention " + attention.name().toLowerCase(java.util.Locale.ROOT) + ", scores "
                + KernelCalibration.mib(attentionScoreBytes);
    }

    private static String kernel(boolean oneDnn) {
        return (oneDnn ? LinearKernel.ONEDNN_CONV : LinearKernel.LINEAR).label();
    }

    /** The attention kernel this policy names. */
    public AttentionKernel attentionKernel() {
        return switch (attention) {
            case EAGER -> EagerAttention.INSTANCE;
            case HEAD_GROUPED -> new HeadGroupedAttention(attentionScoreBytes);
        };
    }
}
