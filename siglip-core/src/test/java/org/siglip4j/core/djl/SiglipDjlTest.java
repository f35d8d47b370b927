package org.siglip4j.core.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.pipeline.ImageClassificationPipeline;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * DJL's own way in (Criteria, ZooModel, Predictor) on the tiny fixture gives what the pipelines
 * give, and the pipelines are checked against Hugging Face elsewhere; the embeddings are also
 * compared with HF's {@code image_embeds} / {@code text_embeds} here.
 */
class SiglipDjlTest {
    static final List<String> LABELS = List.of("gradient", "circles", "noise", "checkerboard", "cat");

    static Image image(String name) throws IOException {
        return ImageFactory.getInstance().fromFile(Fixtures.file("inputs/" + name));
    }

    @Test
    void zeroShotClassificationEqualsThePipeline() throws Exception {
        Criteria<Image, Classifications> criteria = SiglipCriteria.builder(Fixtures.dir().toString(), Image.class,
                Classifications.class).optArgument("labels", LABELS).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor();
                ZeroShotImageClassifier pipeline = ZeroShotImageClassifier.load(Fixtures.dir())) {
            for (String name : List.of("gradient_wide.png", "noise_small.png")) {
                Classifications got = predictor.predict(image(name));
                List<LabelScore> expected = pipeline.classifyImage(Fixtures.file("inputs/" + name), LABELS);
                assertEquals(LABELS.size(), got.items().size());
                for (LabelScore s : expected) {
                    assertEquals(s.score(), got.get(s.label()).getProbability(), 1e-6, name + " " + s.label());
                }
                assertEquals(expected.get(0).label(), got.best().getClassName());
            }
        }
    }

    @Test
    void embeddingsEqualThePipelineAndHf() throws Exception {
        Npy.Array hfImage = Fixtures.expected("image_embeds");
        int d = (int) hfImage.shape()[1];
        try (ZooModel<Image, float[]> images = SiglipCriteria.builder(Fixtures.dir().toString(), Image.class,
                        float[].class).build().loadModel();
                ZooModel<String, float[]> texts = SiglipCriteria.builder(Fixtures.dir().toString(), String.class,
                        float[].class).build().loadModel();
                Predictor<Image, float[]> ip = images.newPredictor();
                Predictor<String, float[]> tp = texts.newPredictor();
                SiglipPipeline pipeline = SiglipPipeline.load(Fixtures.dir())) {
            float[] got = ip.predict(image("gradient_wide.png")); // fixture image #0
            assertArrayEquals(pipeline.embedImages(List.of(Fixtures.file("inputs/gradient_wide.png")))[0], got, 1e-6f);
            for (int k = 0; k < d; k++) {
                assertEquals(hfImage.values()[k], got[k], 1e-5, "image_embeds[0][" + k + "]");
            }
            float[] text = tp.predict("a photo of a cat");
            assertArrayEquals(pipeline.embedTexts(List.of("a photo of a cat"))[0], text, 1e-6f);
        }
    }

    @Test
    void fineTunedHeadUsesItsOwnLabels() throws Exception {
        String dir = Fixtures.file("classification").toString();
        try (ZooModel<Image, Classifications> model = SiglipCriteria.builder(dir, Image.class, Classifications.class)
                        .build().loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor();
                ImageClassificationPipeline pipeline = ImageClassificationPipeline.fromPretrained(dir)) {
            Classifications got = predictor.predict(image("shapes_tall.png"));
            for (LabelScore s : pipeline.classifyImage(Fixtures.file("inputs/shapes_tall.png"))) {
                assertEquals(s.score(), got.get(s.label()).getProbability(), 1e-6, s.label());
            }
        }
    }

    @Test
    void plainCriteriaLoadsAFolderWithServingProperties(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("siglip-tiny");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json", "spiece.model",
                "special_tokens_map.json", "tokenizer_config.json")) {
            Files.copy(Fixtures.file(f), dir.resolve(f));
        }
        SiglipCriteria.writeServingProperties(dir, "labels=gradient|circles|noise|checkerboard|cat");
        // DJL 0.35 picks the translator factory before it reads serving.properties, so it is named
        // here; the block factory, the option and the labels come from the file
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(dir).optTranslatorFactory(new SiglipTranslatorFactory()).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor();
                ZeroShotImageClassifier pipeline = ZeroShotImageClassifier.load(Fixtures.dir())) {
            Classifications got = predictor.predict(image("gradient_wide.png"));
            for (LabelScore s : pipeline.classifyImage(Fixtures.file("inputs/gradient_wide.png"), LABELS)) {
                assertEquals(s.score(), got.get(s.label()).getProbability(), 1e-6, s.label());
            }
        }
    }

    @Test
    void theModelZooLoadsAFolderByArgument() throws Exception {
        Criteria<Image, float[]> criteria = Criteria.builder().setTypes(Image.class, float[].class)
                .optGroupId(SiglipModelZoo.GROUP_ID).optArgument("model", Fixtures.dir().toString()).build();
        try (ZooModel<Image, float[]> model = criteria.loadModel();
                Predictor<Image, float[]> predictor = model.newPredictor();
                SiglipPipeline pipeline = SiglipPipeline.load(Fixtures.dir())) {
            assertArrayEquals(pipeline.embedImages(List.of(Fixtures.file("inputs/noise_small.png")))[0],
                    predictor.predict(image("noise_small.png")), 1e-6f);
        }
    }

    @Test
    void zeroShotWithoutLabelsSaysWhatToPass() {
        Exception e = assertThrows(Exception.class, () -> SiglipCriteria.builder(Fixtures.dir().toString(),
                Image.class, Classifications.class).build().loadModel());
        Throwable root = e;
        while (root.getCause() != null && !root.getMessage().contains("labels")) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("candidate labels"), e.toString());
    }
}
