package org.siglip4j.eval;

import org.siglip4j.core.SiglipException;

/**
 * The options every evaluator builder has, set and validated in one place: whether texts are
 * canonicalised and how many inputs go into one model call. Subclasses pass themselves as {@code
 * B} so the setters chain without casts.
 *
 * @param <B> the concrete builder
 */
public abstract class EvaluatorBuilder<B extends EvaluatorBuilder<B>> {
    private boolean canonicalize;
    private int batchSize = 32;
    /** The settings of {@link InProcessEvaluation}'s setters, for the builders that implement it. */
    final InProcessRun inProcess = new InProcessRun();

    /** For subclasses. */
    protected EvaluatorBuilder() {}

    /**
     * Canonicalises prompts or captions big_vision style (default false).
     *
     * @param canonicalize whether to canonicalise
     * @return this builder
     */
    public B optCanonicalize(boolean canonicalize) {
        this.canonicalize = canonicalize;
        return self();
    }

    /**
     * Sets images/texts per model call (default 32).
     *
     * @param batchSize the batch size
     * @return this builder
     */
    public B optBatchSize(int batchSize) {
        this.batchSize = batchSize;
        return self();
    }

    /**
     * Whether texts are canonicalised.
     *
     * @return the flag set by {@link #optCanonicalize(boolean)}
     */
    protected boolean canonicalize() {
        return canonicalize;
    }

    /**
     * The batch size.
     *
     * @return the value set by {@link #optBatchSize(int)}
     */
    protected int batchSize() {
        return batchSize;
    }

    /** Checks the options of this class; subclasses call it from their {@code build()}. */
    protected void validateShared() {
        if (batchSize <= 0) {
            throw new SiglipException("batch size must be positive, got " + batchSize);
        }
    }

    /**
     * This builder as its concrete type, for chaining.
     *
     * @return this builder
     */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }
}
