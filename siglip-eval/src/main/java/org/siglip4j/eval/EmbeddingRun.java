package org.siglip4j.eval;

import java.util.List;

/**
 * The outcome of embedding a list of inputs.
 *
 * @param embeddings one unit row per input, in input order
 * @param computed inputs the model embedded in this run
 * @param fromCache inputs taken from the embedding cache
 * @param seconds wall time spent, including cache look-ups
 * @param skipped inputs that could not be read ("path: reason"), whose rows are {@code null};
 *     empty unless skipping was asked for
 */
public record EmbeddingRun(float[][] embeddings, int computed, int fromCache, double seconds, List<String> skipped) {

    /** Freezes the skipped list. */
    public EmbeddingRun {
        skipped = List.copyOf(skipped);
    }

    /**
     * A run that skipped nothing.
     *
     * @param embeddings one unit row per input, in input order
     * @param computed inputs the model embedded in this run
     * @param fromCache inputs taken from the embedding cache
     * @param seconds wall time spent, including cache look-ups
     */
    public EmbeddingRun(float[][] embeddings, int computed, int fromCache, double seconds) {
        this(embeddings, computed, fromCache, seconds, List.of());
    }

    /**
     * Throughput of the model on the inputs it actually embedded.
     *
     * @return computed inputs per second, or 0 when nothing was computed
     */
    public double computedPerSecond() {
        return computed == 0 || seconds <= 0 ? 0 : computed / seconds;
    }
}
