package org.siglip4j.core.nn;

import org.siglip4j.core.SiglipException;

/**
 * How the PyTorch towers compute: the memory budgets and kernels that change speed and memory
 * but never the result. Immutable; chosen once where an application starts (inside an {@link
 * org.siglip4j.core.engine.ExecutionPolicy}, or given to a model with {@code setCompute}) and
 * pushed down to the blocks, which never read a global while they run.
 *
 * <p>The system properties {@value #CHUNK_PROPERTY}, {@value #SCORES_PROPERTY} and {@value
 * #ONEDNN_PROPERTY} are the defaults' only source: {@link #fromSystemProperties()} reads them once,
 * when a model is built.
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
 *     OneDnnLinear}); off by default, as it gave wrong embeddings on an AMD EPYC Zen 5
 */
public record ComputePolicy(long inferenceChunkBytes, long trainingChunkBytes, AttentionImplementation attention,
        long attentionScoreBytes, boolean oneDnnLinear) {
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
     * {@link #DEFAULT} with what the system properties {@value #CHUNK_PROPERTY}, {@value
     * #SCORES_PROPERTY} and {@value #ONEDNN_PROPERTY} set, read now.
     */
    public static ComputePolicy fromSystemProperties() {
        ComputePolicy p = DEFAULT;
        Long chunk = Long.getLong(CHUNK_PROPERTY);
        if (chunk != null) {
            p = p.withChunkBytes(chunk);
        }
        Long scores = Long.getLong(SCORES_PROPERTY);
        if (scores != null) {
            p = p.withAttentionScoreBytes(scores);
        }
        return p.withOneDnnLinear(Boolean.parseBoolean(System.getProperty(ONEDNN_PROPERTY, "false")));
    }

    /** A copy with both chunk budgets set to {@code bytes}, as {@value #CHUNK_PROPERTY} sets them. */
    public ComputePolicy withChunkBytes(long bytes) {
        return new ComputePolicy(bytes, bytes, attention, attentionScoreBytes, oneDnnLinear);
    }

    /** A copy with that attention kernel. */
    public ComputePolicy withAttention(AttentionImplementation a) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, a, attentionScoreBytes, oneDnnLinear);
    }

    /** A copy with that attention score budget. */
    public ComputePolicy withAttentionScoreBytes(long bytes) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, attention, bytes, oneDnnLinear);
    }

    /** A copy with the oneDNN linear path on or off. */
    public ComputePolicy withOneDnnLinear(boolean on) {
        return new ComputePolicy(inferenceChunkBytes, trainingChunkBytes, attention, attentionScoreBytes, on);
    }

    /** The attention kernel this policy names. */
    public AttentionKernel attentionKernel() {
        return switch (attention) {
            case EAGER -> EagerAttention.INSTANCE;
            case HEAD_GROUPED -> new HeadGroupedAttention(attentionScoreBytes);
        };
    }
}
