package org.siglip4j.eval;

import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * Zero-shot classification of a labelled image folder with an {@link EmbeddingModel}.
 *
 * <pre>{@code
 * ZeroShotResult r = ZeroShotEvaluator.builder()
 *         .setModel(model)
 *         .optTemplates(PromptTemplates.ensemble())
 *         .optCacheDir(Path.of("~/.cache/siglip4j/embeddings"))
 *         .build()
 *         .evaluate(LabelledImageFolder.read(Path.of("imagenet/val")));
 * }</pre>
 *
 * <p>Steps: class names for the class folders ({@link ClassNames#forFolders(List)} unless given),
 * class embeddings ({@link ZeroShotClassifier}), image embeddings in batches (cached when a cache
 * folder is set), cosine scores, then {@link ClassificationMetrics}.
 */
public final class ZeroShotEvaluator {

    private final EmbeddingModel model;
    private final PromptTemplates templates;
    private final ClassNames classNames;
    private final boolean canonicalize;
    private final int batchSize;
    private final Path cacheDir;
    private final boolean showProgress;
    private final int maxConfusedPairs;

    private ZeroShotEvaluator(Builder b) {
        this.model = b.model;
        this.templates = b.templates;
        this.classNames = b.classNames;
        this.canonicalize = b.canonicalize;
        this.batchSize = b.batchSize;
        this.cacheDir = b.cacheDir;
        this.showProgress = b.showProgress;
        this.maxConfusedPairs = b.maxConfusedPairs;
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
     * Evaluates a labelled folder.
     *
     * @param data the images and labels (every class folder is a candidate class)
     * @return the result record
     */
    public ZeroShotResult evaluate(LabelledImageFolder data) {
        long t0 = System.nanoTime();
        ClassNames.Resolved resolved = ClassNames.resolve(classNames, data.classFolders());
        List<String> names = resolved.names();
        String namesSource = resolved.source();
        EmbeddingCache cache = cacheDir == null ? null
                : EmbeddingCache.open(cacheDir, model.id(), model.preprocessingId());
        BatchEmbedder embedder = new BatchEmbedder(model, cache, batchSize, showProgress);
        ZeroShotClassifier.Built built =
                ZeroShotClassifier.build(embedder, names, templates, canonicalize);
        EmbeddingRun images = embedder.embedImages(data.images());
        float[][] scores = built.classifier().scores(images.embeddings());
        ClassificationMetrics metrics =
                ClassificationMetrics.compute(scores, data.labels(), names, maxConfusedPairs);
        return new ZeroShotResult(model.id(), model.preprocessingId(),
                new ZeroShotResult.Data(data.root().toString(), data.samples().size(),
                        names.size(), namesSource),
                new ZeroShotResult.Protocol(templates.name(), templates.size(), canonicalize,
                        ZeroShotResult.SCORING, ZeroShotResult.TIE_RULE),
                metrics, Timing.of(images, built.textRun(), t0));
    }

    /** Builds a {@link ZeroShotEvaluator}; only the model is required. */
    public static final class Builder {
        private EmbeddingModel model;
        private PromptTemplates templates = PromptTemplates.ensemble();
        private ClassNames classNames;
        private boolean canonicalize;
        private int batchSize = 32;
        private Path cacheDir;
        private boolean showProgress = true;
        private int maxConfusedPairs = 20;

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
         * Sets the prompt templates (default {@link PromptTemplates#ensemble()}).
         *
         * @param templates the templates
         * @return this builder
         */
        public Builder optTemplates(PromptTemplates templates) {
            this.templates = templates;
            return this;
        }

        /**
         * Sets explicit class names (default: ImageNet names for WordNet-id folders, else folder
         * names with underscores as spaces).
         *
         * @param classNames the names
         * @return this builder
         */
        public Builder optClassNames(ClassNames classNames) {
            this.classNames = classNames;
            return this;
        }

        /**
         * Canonicalises prompts big_vision style (default false).
         *
         * @param canonicalize whether to canonicalise
         * @return this builder
         */
        public Builder optCanonicalize(boolean canonicalize) {
            this.canonicalize = canonicalize;
            return this;
        }

        /**
         * Sets images/texts per model call (default 32).
         *
         * @param batchSize the batch size
         * @return this builder
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
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
         * How many most-confused pairs to report (default 20).
         *
         * @param n the count, at least 0
         * @return this builder
         */
        public Builder optMaxConfusedPairs(int n) {
            this.maxConfusedPairs = n;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the evaluator
         */
        public ZeroShotEvaluator build() {
            if (model == null) {
                throw new SiglipException("ZeroShotEvaluator needs a model: call setModel(...)");
            }
            if (templates == null) {
                throw new SiglipException("ZeroShotEvaluator: templates must not be null");
            }
            if (batchSize <= 0) {
                throw new SiglipException("batch size must be positive, got " + batchSize);
            }
            if (maxConfusedPairs < 0) {
                throw new SiglipException("max confused pairs must be >= 0, got "
                        + maxConfusedPairs);
            }
            return new ZeroShotEvaluator(this);
        }
    }
}
