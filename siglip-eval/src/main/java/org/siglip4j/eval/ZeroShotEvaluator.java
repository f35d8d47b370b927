package org.siglip4j.eval;

import java.util.ArrayList;
import java.util.List;

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
 * <p>Steps: class names for the class folders ({@link ClassNames#forFolders(java.util.List)}
 * unless given), class embeddings ({@link ZeroShotClassifier}), image embeddings in batches (cached
 * when a cache folder is set), cosine scores, then {@link ClassificationMetrics}. Images that
 * cannot be read (missing, corrupt, truncated, unsupported) are skipped, listed on stderr, and
 * the metrics cover the others.
 */
public final class ZeroShotEvaluator {

    private final InProcessRun run;
    private final ZeroShotOptions options;

    private ZeroShotEvaluator(InProcessRun run, ZeroShotOptions options) {
        this.run = run;
        this.options = options;
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
        ClassNames.Resolved names = options.resolveNames(data);
        BatchEmbedder embedder = run.embedder(options.batchSize());
        ZeroShotClassifier.Built built = options.buildClassifier(embedder, names);
        EmbeddingRun images = embedder.embedImages(data.images(), true);
        float[][] embeddings = images.embeddings();
        if (!images.skipped().isEmpty()) {
            // Like the training loaders: unreadable images are left out and reported, not fatal.
            System.err.printf("%d unreadable images skipped (scored on the other %d), e.g.%n",
                    images.skipped().size(), embeddings.length - images.skipped().size());
            images.skipped().stream().limit(5).forEach(s -> System.err.println("  " + s));
            List<LabelledImageFolder.Sample> kept = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            for (int i = 0; i < embeddings.length; i++) {
                if (embeddings[i] != null) {
                    kept.add(data.samples().get(i));
                    rows.add(embeddings[i]);
                }
            }
            data = new LabelledImageFolder(data.root(), data.classFolders(), kept);
            embeddings = rows.toArray(new float[0][]);
        }
        float[][] scores = built.classifier().scores(embeddings);
        ClassificationMetrics metrics = ClassificationMetrics.compute(scores, data.labels(),
                names.names(), options.maxConfusedPairs());
        return options.result(run.model, data, names, ZeroShotResult.SCORING, metrics,
                Timing.of(images, built.textRun(), t0));
    }

    /**
     * Builds a {@link ZeroShotEvaluator}; only the model is required ({@link InProcessEvaluation}).
     * The protocol options are those of {@link ZeroShotOptions.Builder}.
     */
    public static final class Builder extends ZeroShotOptions.Builder<Builder>
            implements InProcessEvaluation<Builder> {
        private Builder() {}

        /**
         * Validates and builds.
         *
         * @return the evaluator
         */
        public ZeroShotEvaluator build() {
            InProcessRun run = inProcess.copyFor("ZeroShotEvaluator");
            return new ZeroShotEvaluator(run, options("ZeroShotEvaluator"));
        }
    }
}
