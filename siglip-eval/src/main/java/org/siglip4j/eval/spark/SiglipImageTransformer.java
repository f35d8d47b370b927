package org.siglip4j.eval.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.SimilarityMatrix;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Spark ML {@link Transformer} that runs a SigLIP folder over a DataFrame column of images: it
 * adds their L2-normalised image embeddings ({@code array<float>}, HF's {@code image_embeds}) or,
 * given candidate labels, their zero-shot scores ({@code array<double>}, {@code sigmoid(logit)}
 * per label in the labels' order, as {@link ZeroShotImageClassifier} scores them).
 *
 * <p>The image column holds paths or URIs ({@code string}, readable on every executor) or the
 * encoded image files ({@code binary}, e.g. the {@code content} column of Spark's
 * {@code binaryFile} source); a null image gives a null result. Only the settings travel with the
 * tasks: each executor JVM loads the model once, on the first partition that needs it, and keeps
 * it for every later partition and job (tasks of one executor take turns on it; PyTorch already
 * uses every core per call).
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("/data/images");
 * Dataset<Row> scored = SiglipImageTransformer.builder("/models/siglip-base-patch16-224")
 *         .optInputCol("content").optOutputCol("scores")
 *         .optLabels(List.of("cat", "dog")).build()
 *         .transform(images);
 * }</pre>
 */
public final class SiglipImageTransformer extends Transformer {
    private static final long serialVersionUID = 1L;

    /** One pipeline per model folder and batch size per JVM. */
    private static final Map<ModelKey, SiglipPipeline> PIPELINES = new ConcurrentHashMap<>();
    /** The candidate labels' text embeddings, per settings, per JVM. */
    private static final Map<Settings, float[][]> TEXTS = new ConcurrentHashMap<>();

    private final String uid;
    private final Settings settings;

    private SiglipImageTransformer(String uid, Settings settings) {
        this.uid = uid;
        this.settings = settings;
    }

    /**
     * What travels with the tasks.
     *
     * @param modelDir the model folder, at this path on every executor
     * @param inputCol the image column
     * @param outputCol the column added
     * @param labels candidate labels, empty for embeddings
     * @param template the hypothesis template of zero-shot scoring
     * @param batchSize images per model call
     */
    public record Settings(String modelDir, String inputCol, String outputCol, List<String> labels, String template,
            int batchSize) implements Serializable {
        /** Checks the settings and copies the labels. */
        public Settings {
            if (modelDir == null || modelDir.isBlank()) {
                throw new SiglipException("SiglipImageTransformer needs a model folder");
            }
            if (batchSize < 1) {
                throw new SiglipException("batch size must be at least 1, got " + batchSize);
            }
            labels = List.copyOf(labels);
            if (!labels.isEmpty()) {
                ZeroShotImageClassifier.hypotheses(labels, template); // refuses blank/duplicate labels, bad template
            }
        }

        boolean zeroShot() {
            return !labels.isEmpty();
        }
    }

    private record ModelKey(String modelDir, int batchSize) {}

    /**
     * A builder for a model folder (a hub id must be downloaded first: executors need a path).
     *
     * @param modelDir the model folder, readable at this path on every executor
     * @return the builder
     */
    public static Builder builder(String modelDir) {
        return new Builder(modelDir);
    }

    /** The settings this transformer runs with. */
    public Settings settings() {
        return settings;
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructField in;
        try {
            in = schema.apply(settings.inputCol());
        } catch (IllegalArgumentException e) {
            throw new SiglipException("no image column '" + settings.inputCol() + "' in " + schema.simpleString());
        }
        DataType t = in.dataType();
        if (!t.equals(DataTypes.StringType) && !t.equals(DataTypes.BinaryType)) {
            throw new SiglipException("image column '" + settings.inputCol() + "' must be string (a path) or binary "
                    + "(the file's bytes), not " + t.simpleString());
        }
        if (List.of(schema.fieldNames()).contains(settings.outputCol())) {
            throw new SiglipException("output column '" + settings.outputCol() + "' already exists");
        }
        ArrayType out = DataTypes.createArrayType(settings.zeroShot() ? DataTypes.DoubleType : DataTypes.FloatType,
                false);
        return schema.add(DataTypes.createStructField(settings.outputCol(), out, true));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int column = dataset.schema().fieldIndex(settings.inputCol());
        Settings s = settings; // the function below must not capture this transformer
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> new Batches(rows, s, column),
                Encoders.row(out));
    }

    @Override
    public SiglipImageTransformer copy(ParamMap extra) {
        return new SiglipImageTransformer(uid, settings);
    }

    /**
     * Closes this JVM's models (in local mode the driver's); the next partition loads them again.
     */
    public static void releaseModels() {
        TEXTS.clear();
        for (ModelKey k : List.copyOf(PIPELINES.keySet())) {
            SiglipPipeline p = PIPELINES.remove(k);
            if (p != null) {
                p.close();
            }
        }
    }

    /** How many models this JVM holds (one per model folder and batch size). */
    static int loadedModels() {
        return PIPELINES.size();
    }

    /** The results of one batch of images, per row; what a partition's iterator hands out. */
    private static List<Row> run(List<Row> rows, Settings s, int column) {
        SiglipPipeline pipeline = PIPELINES.computeIfAbsent(new ModelKey(s.modelDir(), s.batchSize()),
                k -> SiglipPipeline.builder().setModelDir(Path.of(k.modelDir())).optBatchSize(k.batchSize()).build());
        List<Object> images = new ArrayList<>();
        for (Row r : rows) {
            if (!r.isNullAt(column)) {
                images.add(r.get(column));
            }
        }
        float[][] embeds;
        double[][] probs = null;
        synchronized (pipeline) {
            embeds = images.isEmpty() ? new float[0][] : pipeline.embedImages(images);
            if (s.zeroShot() && embeds.length > 0) {
                float[][] texts = TEXTS.computeIfAbsent(s,
                        k -> pipeline.embedTexts(ZeroShotImageClassifier.hypotheses(k.labels(), k.template()), true));
                probs = new SimilarityMatrix(embeds, texts, pipeline.logits(embeds, texts)).probabilities();
            }
        }
        List<Row> out = new ArrayList<>(rows.size());
        int k = 0;
        for (Row r : rows) {
            Object value = null;
            if (!r.isNullAt(column)) {
                value = probs != null ? boxed(probs[k]) : boxed(embeds[k]);
                k++;
            }
            Object[] values = new Object[r.size() + 1];
            for (int i = 0; i < r.size(); i++) {
                values[i] = r.get(i);
            }
            values[r.size()] = value;
            out.add(RowFactory.create(values));
        }
        return out;
    }

    /** An array column's value as Spark's row encoder takes it: a Scala {@code Seq}. */
    private static scala.collection.immutable.Seq<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) {
            out.add(x);
        }
        return CollectionConverters.asScala(out).toSeq();
    }

    private static scala.collection.immutable.Seq<Double> boxed(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(x);
        }
        return CollectionConverters.asScala(out).toSeq();
    }

    /** A partition's rows, run through the model a batch at a time as they are read. */
    private static final class Batches implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Settings settings;
        private final int column;
        private Iterator<Row> batch = List.<Row>of().iterator();

        Batches(Iterator<Row> rows, Settings settings, int column) {
            this.rows = rows;
            this.settings = settings;
            this.column = column;
        }

        @Override
        public boolean hasNext() {
            if (!batch.hasNext() && rows.hasNext()) {
                List<Row> next = new ArrayList<>(settings.batchSize());
                while (rows.hasNext() && next.size() < settings.batchSize()) {
                    next.add(rows.next());
                }
                batch = run(next, settings, column).iterator();
            }
            return batch.hasNext();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return batch.next();
        }
    }

    /** Builds a {@link SiglipImageTransformer}. */
    public static final class Builder {
        private final String modelDir;
        private String inputCol = "image";
        private String outputCol;
        private List<String> labels = List.of();
        private String template = ZeroShotImageClassifier.DEFAULT_TEMPLATE;
        private int batchSize = SiglipPipeline.DEFAULT_BATCH_SIZE;

        private Builder(String modelDir) {
            this.modelDir = modelDir;
        }

        /** The image column (default {@code image}): string paths/URIs or binary file contents. */
        public Builder optInputCol(String col) {
            this.inputCol = col;
            return this;
        }

        /** The column added (default {@code embedding}, or {@code scores} with labels). */
        public Builder optOutputCol(String col) {
            this.outputCol = col;
            return this;
        }

        /** Candidate labels: zero-shot scores instead of embeddings. */
        public Builder optLabels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** The hypothesis template (default {@value ZeroShotImageClassifier#DEFAULT_TEMPLATE}). */
        public Builder optTemplate(String template) {
            this.template = template;
            return this;
        }

        /** Images per model call (default {@value SiglipPipeline#DEFAULT_BATCH_SIZE}). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Checks the settings and builds the transformer.
         *
         * @return the transformer
         */
        public SiglipImageTransformer build() {
            String out = outputCol != null ? outputCol : labels.isEmpty() ? "embedding" : "scores";
            return new SiglipImageTransformer(Identifiable$.MODULE$.randomUID("siglip"),
                    new Settings(modelDir, inputCol, out, labels, template, batchSize));
        }
    }
}
