package org.siglip4j.eval;

import java.util.List;

/**
 * Image-text retrieval on a {@link RetrievalManifest} with an {@link EmbeddingModel}: images and
 * captions are embedded in batches (images cached when a cache folder is set), scored by cosine and
 * summarised by {@link RetrievalMetrics}.
 */
public final class RetrievalEvaluator {

    private final InProcessRun run;
    private final boolean canonicalize;
    private final int batchSize;

    private RetrievalEvaluator(Builder b, InProcessRun run) {
        this.run = run;
        this.canonicalize = b.canonicalize();
        this.batchSize = b.batchSize();
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Evaluates a manifest.
     *
     * @param manifest the images and captions
     * @return the result record
     */
    public RetrievalResult evaluate(RetrievalManifest manifest) {
        long t0 = System.nanoTime();
        BatchEmbedder embedder = run.embedder(batchSize);
        List<String> texts = manifest.texts();
        if (canonicalize) {
            texts.replaceAll(PromptCanonicalizer::canonicalize);
        }
        EmbeddingRun textRun = embedder.embedTexts(texts);
        EmbeddingRun imageRun = embedder.embedImages(manifest.images());
        float[][] scores = Embeddings.similarity(imageRun.embeddings(), textRun.embeddings());
        RetrievalMetrics metrics = RetrievalMetrics.compute(scores, manifest.textToImage());
        return new RetrievalResult(run.model.id(), run.model.preprocessingId(),
                new RetrievalResult.Data(manifest.file().toString(), manifest.entries().size(),
                        texts.size()),
                canonicalize, RetrievalResult.TIE_RULE, metrics, Timing.of(imageRun, textRun, t0));
    }

    /**
     * Builds a {@link RetrievalEvaluator}; only the model is required ({@link InProcessEvaluation}).
     * Canonicalisation applies to the captions.
     */
    public static final class Builder extends EvaluatorBuilder<Builder>
            implements InProcessEvaluation<Builder> {
        private Builder() {}

        /**
         * Validates and builds.
         *
         * @return the evaluator
         */
        public RetrievalEvaluator build() {
            InProcessRun run = inProcess.copyFor("RetrievalEvaluator");
            validateShared();
            return new RetrievalEvaluator(this, run);
        }
    }
}
