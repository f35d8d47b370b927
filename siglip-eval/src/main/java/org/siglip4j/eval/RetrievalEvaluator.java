package org.siglip4j.eval;

import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * Image-text retrieval on a {@link RetrievalManifest} with an {@link EmbeddingModel}: images and
 * captions are embedded in batches (images cached when a cache folder is set), scored by cosine and
 * summarised by {@link RetrievalMetrics}.
 */
public final class RetrievalEvaluator {

    private final EmbeddingModel model;
    private final boolean canonicalize;
    private final int batchSize;
    private final Path cacheDir;
    private final boolean showProgress;

    private RetrievalEvaluator(Builder b) {
        this.model = b.model;
        this.canonicalize = b.canonicalize();
        this.batchSize = b.batchSize();
        this.cacheDir = b.cacheDir;
        this.showProgress = b.showProgress;
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
        BatchEmbedder embedder = BatchEmbedder.withCache(model, cacheDir, batchSize, showProgress);
        List<String> texts = manifest.texts();
        if (canonicalize) {
            texts.replaceAll(PromptCanonicalizer::canonicalize);
        }
        EmbeddingRun textRun = embedder.embedTexts(texts);
        EmbeddingRun imageRun = embedder.embedImages(manifest.images());
        float[][] scores = Embeddings.similarity(imageRun.embeddings(), textRun.embeddings());
        RetrievalMetrics metrics = RetrievalMetrics.compute(scores, manifest.textToImage());
        return new RetrievalResult(model.id(), model.preprocessingId(),
                new RetrievalResult.Data(manifest.file().toString(), manifest.entries().size(),
                        texts.size()),
                canonicalize, RetrievalResult.TIE_RULE, metrics, Timing.of(imageRun, textRun, t0));
    }

    /**
     * Builds a {@link RetrievalEvaluator}; only the model is required. Canonicalisation applies to
     * the captions.
     */
    public static final class Builder extends EvaluatorBuilder<Builder> {
        private EmbeddingModel model;
        private Path cacheDir;
        private boolean showProgress = true;

        private Builder() {}

        /**
         * Sets the model (required).
         *
         * @param model the model
         * @return this builder
         */
        public Builder setModel(EmbeddingModel model) {
            this.model = model;
            return this;
        }

        /**
         * Caches image embeddings in this folder (default: no cache).
         *
         * @param cacheDir the folder, or {@code null}
         * @return this builder
         */
        public Builder optCacheDir(Path cacheDir) {
            this.cacheDir = cacheDir;
            return this;
        }

        /**
         * Shows a progress bar on stderr (default true).
         *
         * @param showProgress whether to show it
         * @return this builder
         */
        public Builder optShowProgress(boolean showProgress) {
            this.showProgress = showProgress;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the evaluator
         */
        public RetrievalEvaluator build() {
            if (model == null) {
                throw new SiglipException("RetrievalEvaluator needs a model: call setModel(...)");
            }
            validateShared();
            return new RetrievalEvaluator(this);
        }
    }
}
