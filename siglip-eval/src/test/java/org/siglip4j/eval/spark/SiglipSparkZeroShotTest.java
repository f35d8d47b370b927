package org.siglip4j.eval.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.PromptTemplates;
import org.siglip4j.eval.SiglipEmbeddingModel;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotResult;

/** The real tiny SigLIP on Spark local[2] gives the single-process numbers. */
class SiglipSparkZeroShotTest {

    @TempDir
    Path tmp;

    @Test
    void sparkWithTheTinyModelMatchesSingleProcess() throws Exception {
        Path data = tmp.resolve("data");
        String[] classes = {"red_square", "noisy_thing", "striped_pattern"};
        String[] fixture = {"gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg",
            "exact_size.png"};
        for (int i = 0; i < fixture.length; i++) {
            Path dst = data.resolve(classes[i % 3] + "/" + fixture[i]);
            Files.createDirectories(dst.getParent());
            Files.copy(Fixtures.file("inputs/" + fixture[i]), dst);
        }
        Random rnd = new Random(3);
        for (int i = 0; i < 7; i++) {
            byte[] rgb = new byte[20 * 17 * 3];
            rnd.nextBytes(rgb);
            javax.imageio.ImageIO.write(new RgbImage(20, 17, rgb).toBufferedImage(), "png",
                    data.resolve(classes[i % 3] + "/noise" + i + ".png").toFile());
        }
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        PromptTemplates templates = PromptTemplates.parse("t", "a photo of a {}.\na {}.\n");
        ImagePreprocessing mode = ImagePreprocessing.RESIZE_CENTER_CROP;

        ZeroShotResult single;
        try (SiglipEmbeddingModel m = SiglipEmbeddingModel.load(Fixtures.dir(), mode)) {
            single = ZeroShotEvaluator.builder().setModel(m).optTemplates(templates)
                    .optBatchSize(4).optShowProgress(false).build().evaluate(folder);
        }
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("siglip4j-real-model")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            SiglipEmbeddingModelFactory factory =
                    new SiglipEmbeddingModelFactory(Fixtures.dir().toString(), mode);
            ZeroShotResult spark = SparkZeroShotEvaluator.builder().setModelFactory(factory)
                    .optTemplates(templates).optBatchSize(3).optPartitions(3).build()
                    .evaluate(sc, folder);
            assertEquals(single.metrics(), spark.metrics());
            assertEquals(single.model(), spark.model());
            assertEquals("32/resize-crop0.875", spark.preprocessing());
            assertEquals(15, spark.metrics().numImages());
        } finally {
            sc.stop();
            ExecutorModels.clear();
        }
        assertThrows(SiglipException.class, () -> new SiglipEmbeddingModelFactory(" ", mode));
        assertThrows(SiglipException.class,
                () -> new SiglipEmbeddingModelFactory(Fixtures.dir().toString(), null));
    }
}
