package org.siglip4j.eval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.testing.Fixtures;

/**
 * The Spark ML transformer on local[2], over DataFrames of image paths and of image bytes in
 * several partitions, gives what one JVM's pipeline gives, loading the model once per JVM.
 */
class SiglipImageTransformerTest {
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg");
    static final List<String> LABELS = List.of("gradient", "circles", "noise", "checkerboard", "cat");
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("siglip4j-transformer")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        SiglipImageTransformer.releaseModels();
    }

    static Dataset<Row> paths() {
        List<Row> rows = new ArrayList<>();
        for (String name : IMAGES) {
            rows.add(RowFactory.create(name, Fixtures.file("inputs/" + name).toString()));
        }
        rows.add(RowFactory.create("missing", null));
        StructType schema = new StructType().add("name", DataTypes.StringType).add("image", DataTypes.StringType);
        return spark.createDataFrame(rows, schema).repartition(3);
    }

    static Dataset<Row> bytes() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String name : IMAGES) {
            rows.add(RowFactory.create(name, Files.readAllBytes(Fixtures.file("inputs/" + name))));
        }
        StructType schema = new StructType().add("name", DataTypes.StringType).add("content", DataTypes.BinaryType);
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    @Test
    void embeddingsOfPathsAndOfBytesEqualOneJvmsPipeline() throws Exception {
        SiglipImageTransformer embedder = SiglipImageTransformer.builder(Fixtures.dir().toString()).optBatchSize(3)
                .build();
        List<Row> fromPaths = embedder.transform(paths()).collectAsList();
        List<Row> fromBytes = SiglipImageTransformer.builder(Fixtures.dir().toString()).optBatchSize(3)
                .optInputCol("content").build().transform(bytes()).collectAsList();
        assertEquals(IMAGES.size() + 1, fromPaths.size());
        assertEquals(IMAGES.size(), fromBytes.size());
        try (SiglipPipeline pipeline = SiglipPipeline.load(Fixtures.dir())) {
            for (List<Row> rows : List.of(fromPaths, fromBytes)) {
                for (Row r : rows) {
                    String name = r.getString(0);
                    if (name.equals("missing")) {
                        assertNull(r.get(2));
                        continue;
                    }
                    float[] expected = pipeline.embedImages(List.of(Fixtures.file("inputs/" + name)))[0];
                    List<Float> got = r.getList(2);
                    assertEquals(expected.length, got.size());
                    for (int k = 0; k < expected.length; k++) {
                        assertEquals(expected[k], got.get(k), 1e-5, name + "[" + k + "]");
                    }
                }
            }
        }
        assertEquals(1, SiglipImageTransformer.loadedModels(), "one model for every partition and job");
    }

    @Test
    void zeroShotScoresEqualTheClassifier() {
        Dataset<Row> scored = SiglipImageTransformer.builder(Fixtures.dir().toString()).optLabels(LABELS).build()
                .transform(paths());
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, false), scored.schema().apply("scores").dataType());
        try (ZeroShotImageClassifier classifier = ZeroShotImageClassifier.load(Fixtures.dir())) {
            for (Row r : scored.collectAsList()) {
                if (r.isNullAt(1)) {
                    continue;
                }
                List<Double> got = r.getList(2);
                for (LabelScore s : classifier.classifyImage(Path.of(r.getString(1)), LABELS)) {
                    assertEquals(s.score(), got.get(LABELS.indexOf(s.label())), 1e-6, r.getString(0) + " " + s.label());
                }
            }
        }
    }

    @Test
    void badColumnsAreRefusedWithTheirNames() {
        Dataset<Row> df = paths();
        SiglipException missing = assertThrows(SiglipException.class,
                () -> SiglipImageTransformer.builder(Fixtures.dir().toString()).optInputCol("img").build().transform(df));
        assertEquals(true, missing.getMessage().contains("'img'"), missing.getMessage());
        assertThrows(SiglipException.class, () -> SiglipImageTransformer.builder(Fixtures.dir().toString())
                .optInputCol("image").optOutputCol("name").build().transform(df));
        assertThrows(SiglipException.class, () -> SiglipImageTransformer.builder(Fixtures.dir().toString())
                .optLabels(List.of("a", "a")).build());
    }
}
