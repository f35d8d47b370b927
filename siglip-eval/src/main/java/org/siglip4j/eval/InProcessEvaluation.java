package org.siglip4j.eval;

import java.nio.file.Path;

/**
 * The options of an evaluator that embeds in this process with one {@link EmbeddingModel}: the
 * model, the image-embedding cache and the progress bar, set in one place for {@link
 * RetrievalEvaluator.Builder} and {@link ZeroShotEvaluator.Builder}.
 *
 * <p>An interface rather than a class because the two builders inherit their other options from
 * different classes ({@link EvaluatorBuilder}, and {@link ZeroShotOptions.Builder}, which the Spark
 * evaluator shares and which has no model of its own). The values live in the {@link
 * EvaluatorBuilder} the interface is sealed to.
 *
 * @param <B> the concrete builder
 */
public sealed interface InProcessEvaluation<B extends InProcessEvaluation<B>>
        permits RetrievalEvaluator.Builder, ZeroShotEvaluator.Builder {

    /**
     * Sets the model (required).
     *
     * @param model the model
     * @return this builder
     */
    default B setModel(EmbeddingModel model) {
        run().model = model;
        return self();
    }

    /**
     * Caches image embeddings in this folder (default: no cache).
     *
     * @param cacheDir the folder, or {@code null}
     * @return this builder
     */
    default B optCacheDir(Path cacheDir) {
        run().cacheDir = cacheDir;
        return self();
    }

    /**
     * Shows a progress bar on stderr (default true).
     *
     * @param showProgress whether to show it
     * @return this builder
     */
    default B optShowProgress(boolean showProgress) {
        run().showProgress = showProgress;
        return self();
    }

    private InProcessRun run() {
        return ((EvaluatorBuilder<?>) this).inProcess;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
