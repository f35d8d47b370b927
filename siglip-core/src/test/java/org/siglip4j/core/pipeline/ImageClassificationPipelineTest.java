package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.AutoSiglip;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * The fine-tuned-head pipeline against HF: {@code expected/classification_logits} are the logits of
 * HF's {@code SiglipForImageClassification} for the eight fixture images; HF's
 * {@code ImageClassificationPipeline} turns them into softmax scores, recomputed here in double.
 */
class ImageClassificationPipelineTest {
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png");

    @Test
    void scoresAreHfSoftmaxOverId2label() throws IOException {
        Npy.Array logits = Fixtures.expected("classification_logits");
        List<Object> images = new ArrayList<>();
        for (int i = 0; i < IMAGES.size(); i++) {
            Path p = Fixtures.file("inputs/" + IMAGES.get(i));
            images.add(i % 2 == 0 ? p : Files.readAllBytes(p)); // paths and bytes mixed in one call
        }
        String dir = Fixtures.file("classification").toString();
        try (ImageClassificationPipeline p = ImageClassificationPipeline.fromPretrained(dir, null, 3)) {
            assertEquals(List.of("cat", "dog", "gradient", "noise", "stripes"), p.labels());
            List<List<LabelScore>> got = p.classify(images);
            for (int i = 0; i < IMAGES.size(); i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < 5; k++) {
                    max = Math.max(max, logits.values()[i * 5 + k]);
                }
                double sum = 0;
                for (int k = 0; k < 5; k++) {
                    sum += Math.exp(logits.values()[i * 5 + k] - max);
                }
                for (LabelScore s : got.get(i)) {
                    int k = p.labels().indexOf(s.label());
                    double expected = Math.exp(logits.values()[i * 5 + k] - max) / sum;
                    assertEquals(expected, s.score(), 1e-5, IMAGES.get(i) + " " + s.label());
                }
                assertTrue(got.get(i).get(0).score() >= got.get(i).get(4).score(), "highest first");
            }
        }
    }

    @Test
    void theArchitectureComesFromTheConfig() {
        String cls = Fixtures.file("classification").toString();
        try (NDManager m = NDManager.newBaseManager();
                PretrainedSiglip a = AutoSiglip.fromPretrained(cls, m);
                PretrainedSiglip b = AutoSiglip.fromPretrained(Fixtures.dir().toString(), m)) {
            assertInstanceOf(SiglipForImageClassification.class, a);
            assertInstanceOf(SiglipModel.class, b);
        }
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipPipeline.fromPretrained(cls));
        assertTrue(e.getMessage().contains("ImageClassificationPipeline"), e.getMessage());
        SiglipException z = assertThrows(SiglipException.class,
                () -> ImageClassificationPipeline.fromPretrained(Fixtures.dir().toString()));
        assertTrue(z.getMessage().contains("ZeroShotImageClassifier"), z.getMessage());
    }

    @Test
    void singleLabelHeadsUseTheSigmoid() {
        List<LabelScore> s = ImageClassificationPipeline.scores(new float[] {0f}, List.of("yes"));
        assertEquals(0.5, s.get(0).score(), 1e-12);
    }
}
