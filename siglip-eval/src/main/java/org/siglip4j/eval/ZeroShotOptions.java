package org.siglip4j.eval;

import org.siglip4j.core.SiglipException;

/**
 * The zero-shot protocol options that {@link ZeroShotEvaluator} and its Spark counterpart share,
 * and the protocol steps they run the same way (class names, class embeddings, the result record),
 * so both give the same numbers by construction.
 *
 * @param templates the prompt templates
 * @param classNames explicit class names, or {@code null} for {@link ClassNames#resolve}'s default
 * @param canonicalize whether prompts are canonicalised (big_vision style)
 * @param batchSize images/texts per model call
 * @param maxConfusedPairs how many most-confused pairs to report
 */
public record ZeroShotOptions(PromptTemplates templates, ClassNames classNames,
        boolean canonicalize, int batchSize, int maxConfusedPairs) {

    /**
     * The class names for a folder's class folders.
     *
     * @param data the labelled folder
     * @return the names and where they came from
     */
    public ClassNames.Resolved resolveNames(LabelledImageFolder data) {
        return ClassNames.resolve(classNames, data.classFolders());
    }

    /**
     * Embeds the prompts of every class and builds the class embeddings.
     *
     * @param embedder the text embedder
     * @param names the resolved class names
     * @return the classifier and its text run
     */
    public ZeroShotClassifier.Built buildClassifier(BatchEmbedder embedder,
            ClassNames.Resolved names) {
        return ZeroShotClassifier.build(embedder, names.names(), templates, canonicalize);
    }

    /**
     * The result record of a run under these options.
     *
     * @param model the model that embedded the images
     * @param data the evaluated folder
     * @param names the resolved class names
     * @param scoring the protocol's scoring text ({@link ZeroShotResult#SCORING}, plus where it ran)
     * @param metrics the metrics
     * @param timing the timing
     * @return the result
     */
    public ZeroShotResult result(EmbeddingModel model, LabelledImageFolder data,
            ClassNames.Resolved names, String scoring, ClassificationMetrics metrics,
            Timing timing) {
        return new ZeroShotResult(model.id(), model.preprocessingId(),
                new ZeroShotResult.Data(data.root().toString(), data.samples().size(),
                        names.names().size(), names.source()),
                new ZeroShotResult.Protocol(templates.name(), templates.size(), canonicalize,
                        scoring, ZeroShotResult.TIE_RULE),
                metrics, timing);
    }

    /**
     * The zero-shot options of a builder, on top of {@link EvaluatorBuilder}'s.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends EvaluatorBuilder<B> {
        private PromptTemplates templates = PromptTemplates.ensemble();
        private ClassNames classNames;
        private int maxConfusedPairs = 20;

        /** For subclasses. */
        protected Builder() {}

        /**
         * Sets the prompt templates (default {@link PromptTemplates#ensemble()}).
         *
         * @param templates the templates
         * @return this builder
         */
        public B optTemplates(PromptTemplates templates) {
            this.templates = templates;
            return self();
        }

        /**
         * Sets explicit class names (default: ImageNet names for WordNet-id folders, else folder
         * names with underscores as spaces).
         *
         * @param classNames the names
         * @return this builder
         */
        public B optClassNames(ClassNames classNames) {
            this.classNames = classNames;
            return self();
        }

        /**
         * How many most-confused pairs to report (default 20).
         *
         * @param n the count, at least 0
         * @return this builder
         */
        public B optMaxConfusedPairs(int n) {
            this.maxConfusedPairs = n;
            return self();
        }

        /**
         * Validates the shared options and freezes them.
         *
         * @param owner the evaluator's name, for messages
         * @return the options
         */
        protected ZeroShotOptions options(String owner) {
            if (templates == null) {
                throw new SiglipException(owner + ": templates must not be null");
            }
            validateShared();
            if (maxConfusedPairs < 0) {
                throw new SiglipException("max confused pairs must be >= 0, got "
                        + maxConfusedPairs);
            }
            return new ZeroShotOptions(templates, classNames, canonicalize(), batchSize(),
                    maxConfusedPairs);
        }
    }
}
