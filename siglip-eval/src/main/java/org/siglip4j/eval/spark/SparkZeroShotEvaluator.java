package org.siglip4j.eval.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.siglip4j.core.SiglipException;
import org.siglip4j.eval.BatchEmbedder;
import org.siglip4j.eval.ClassNames;
import org.siglip4j.eval.ClassificationMetrics;
import org.siglip4j.eval.EmbeddingModel;
import org.siglip4j.eval.EmbeddingRun;
import org.siglip4j.eval.Embeddings;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.Timing;
import org.siglip4j.eval.ZeroShotClassifier;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotOptions;
import org.siglip4j.eval.ZeroShotResult;

/**
 * {@link ZeroShotEvaluator}'s protocol as a Spark job: same class names, prompts, class
 * embeddings, scores, tie rule and {@link ClassificationMetrics}, so it gives the same numbers.
 *
 * <pre>{@code
 * JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
 * ZeroShotResult r = SparkZeroShotEvaluator.builder()
 *         .setModelFactory(new MySiglipFactory("/models/siglip-base-patch16-224"))
 *         .optPartitions(200)
 *         .build()
 *         .evaluate(sc, LabelledImageFolder.read(Path.of("/shared/imagenet/val")));
 * }</pre>
 *
 * <p>What runs where: the driver lists the folder, builds the class embeddings with {@link
 * ZeroShotClassifier} (the text side is small) and broadcasts them; each partition of image paths
 * is embedded in batches by its executor's model ({@link ExecutorModels}: one per JVM), scored
 * against the broadcast classes, and reduced to four ints per image (index, label, rank of the true
 * class, predicted class); the driver collects those and calls {@link
 * ClassificationMetrics#fromRanks}. Image files must be readable at the same path on every
 * executor (a shared file system). The single-process embedding cache is not used.
 */
public final class SparkZeroShotEvaluator {

    private final EmbeddingModelFactory factory;
    private final ZeroShotOptions options;
    private final int partitions;

    private SparkZeroShotEvaluator(Builder b, ZeroShotOptions options) {
        this.factory = b.factory;
        this.options = options;
        this.partitions = b.partitions;
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
     * Evaluates a labelled folder on a Spark cluster (or {@code local[*]}).
     *
     * @param sc the Spark context
     * @param data the images and labels (every class folder is a candidate class)
     * @return the result; its protocol's scoring text ends with the Spark layout used
     */
    public ZeroShotResult evaluate(JavaSparkContext sc, LabelledImageFolder data) {
        long t0 = System.nanoTime();
        ClassNames.Resolved names = options.resolveNames(data);
        EmbeddingModel driverModel = ExecutorModels.get(factory);
        int batchSize = options.batchSize();
        ZeroShotClassifier.Built built = options.buildClassifier(
                new BatchEmbedder(driverModel, null, batchSize, false), names);

        List<ImageRow> rows = new ArrayList<>(data.samples().size());
        for (int i = 0; i < data.samples().size(); i++) {
            LabelledImageFolder.Sample s = data.samples().get(i);
            rows.add(new ImageRow(i, s.image().toAbsolutePath().toString(), s.label()));
        }
        int parts = partitions > 0 ? partitions : sc.defaultParallelism();
        long tImages = System.nanoTime();
        Broadcast<float[][]> classes = sc.broadcast(built.classifier().classEmbeddings());
        List<ImageOutcome> outcomes;
        try {
            sc.setJobDescription("siglip4j zero-shot: " + rows.size() + " images, "
                    + names.names().size() + " classes, model " + driverModel.id());
            outcomes = sc.parallelize(rows, parts)
                    .mapPartitions(new RankPartition(factory, classes, batchSize))
                    .collect();
        } catch (Exception e) { // SparkException is checked but thrown undeclared from Scala
            if (e instanceof SiglipException se) {
                throw se;
            }
            throw new SiglipException("the Spark zero-shot job failed (" + e.getClass().getName()
                    + "): " + e.getMessage(), e);
        } finally {
            classes.destroy();
        }
        double imageSeconds = (System.nanoTime() - tImages) / 1e9;

        int n = rows.size();
        if (outcomes.size() != n) {
            throw new SiglipException("the Spark job returned " + outcomes.size()
                    + " results for " + n + " images");
        }
        int[] labels = new int[n];
        int[] ranks = new int[n];
        int[] predicted = new int[n];
        boolean[] seen = new boolean[n];
        for (ImageOutcome o : outcomes) {
            if (seen[o.index()]) {
                throw new SiglipException("the Spark job returned image " + o.index() + " twice");
            }
            seen[o.index()] = true;
            labels[o.index()] = o.label();
            ranks[o.index()] = o.rank();
            predicted[o.index()] = o.predicted();
        }
        ClassificationMetrics metrics = ClassificationMetrics.fromRanks(labels, ranks, predicted,
                names.names(), options.maxConfusedPairs());
        EmbeddingRun text = built.textRun();
        Timing timing = new Timing(n, 0, imageSeconds, imageSeconds > 0 ? n / imageSeconds : 0,
                text.computed(), text.seconds(), (System.nanoTime() - t0) / 1e9);
        String layout = "; run on Spark (" + sc.master() + ", " + parts + " partitions)";
        return options.result(driverModel, data, names, ZeroShotResult.SCORING + layout, metrics,
                timing);
    }

    /** One image to evaluate: its position in the folder's sample order, file and label. */
    record ImageRow(int index, String path, int label) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** What the driver needs of one image (see {@link ClassificationMetrics#fromRanks}). */
    record ImageOutcome(int index, int label, int rank, int predicted) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Embeds, scores and ranks one partition's images on an executor, batch by batch. */
    static final class RankPartition implements FlatMapFunction<Iterator<ImageRow>, ImageOutcome> {
        private static final long serialVersionUID = 1L;
        private final EmbeddingModelFactory factory;
        private final Broadcast<float[][]> classes;
        private final int batchSize;

        RankPartition(EmbeddingModelFactory factory, Broadcast<float[][]> classes, int batchSize) {
            this.factory = factory;
            this.classes = classes;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<ImageOutcome> call(Iterator<ImageRow> it) {
            BatchEmbedder embedder =
                    new BatchEmbedder(ExecutorModels.get(factory), null, batchSize, false);
            float[][] classEmbeddings = classes.value();
            List<ImageOutcome> out = new ArrayList<>();
            List<ImageRow> batch = new ArrayList<>(batchSize);
            while (it.hasNext()) {
                batch.add(it.next());
                if (batch.size() == batchSize || !it.hasNext()) {
                    List<Path> paths = new ArrayList<>(batch.size());
                    for (ImageRow r : batch) {
                        paths.add(Path.of(r.path()));
                    }
                    // The same scoring as ZeroShotClassifier.scores and ClassificationMetrics.
                    float[][] scores = Embeddings.similarity(
                            embedder.embedImages(paths).embeddings(), classEmbeddings);
                    for (int k = 0; k < batch.size(); k++) {
                        ImageRow r = batch.get(k);
                        int rank = ClassificationMetrics.rankOfTrueClass(scores[k], r.label());
                        int predicted = ClassificationMetrics.predictedClass(scores[k], r.label());
                        out.add(new ImageOutcome(r.index(), r.label(), rank, predicted));
                    }
                    batch.clear();
                }
            }
            return out.iterator();
        }
    }

    /**
     * Builds a {@link SparkZeroShotEvaluator}; only the model factory is required. The protocol
     * options are those of {@link ZeroShotOptions.Builder}, with the same defaults as {@link
     * ZeroShotEvaluator}.
     */
    public static final class Builder extends ZeroShotOptions.Builder<Builder> {
        private EmbeddingModelFactory factory;
        private int partitions;

        private Builder() {}

        /**
         * Sets the model factory (required), shipped to every executor.
         *
         * @param factory a serialisable factory with value equality
         * @return this builder
         */
        public Builder setModelFactory(EmbeddingModelFactory factory) {
            this.factory = factory;
            return this;
        }

        /**
         * Sets how many partitions the images are split into (default: the context's default
         * parallelism). More partitions than task slots balance uneven executors.
         *
         * @param partitions the number of partitions, positive
         * @return this builder
         */
        public Builder optPartitions(int partitions) {
            if (partitions <= 0) {
                throw new SiglipException("partitions must be positive, got " + partitions);
            }
            this.partitions = partitions;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the evaluator
         */
        public SparkZeroShotEvaluator build() {
            if (factory == null) {
                throw new SiglipException("SparkZeroShotEvaluator needs a model factory: call"
                        + " setModelFactory(...)");
            }
            if (!hasValueEquality(factory)) {
                throw new SiglipException("EmbeddingModelFactory " + factory.getClass().getName()
                        + " has no equals(Object) of its own: executors could not recognise one"
                        + " model across tasks and would load it per partition; use a record (or"
                        + " implement equals and hashCode over the model's location)");
            }
            return new SparkZeroShotEvaluator(this, options("SparkZeroShotEvaluator"));
        }

        private static boolean hasValueEquality(EmbeddingModelFactory f) {
            try {
                return f.getClass().getMethod("equals", Object.class).getDeclaringClass()
                        != Object.class;
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException("every class has equals(Object)", e);
            }
        }
    }
}
