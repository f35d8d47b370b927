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

    static Path copyOfFixture(Path tmp) throws IOException {
        Path dir = tmp.resolve("siglip-tiny");
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json", "spiece.model",
                "special_tokens_map.json", "tokenizer_config.json")) {
            Files.copy(Fixtures.file(f), dir.resolve(f));
        }
        return dir;
    }

    static void assertScoresEqualThePipeline(Classifications got, String image) throws Exception {
        try (ZeroShotImageClassifier pipeline = ZeroShotImageClassifier.load(Fixtures.dir())) {
            List<LabelScore> expected = pipeline.classifyImage(Fixtures.file("inputs/" + image), LABELS);
            assertEquals(LABELS.size(), got.items().size());
            for (LabelScore s : expected) {
                assertEquals(s.score(), got.get(s.label()).getProbability(), 1e-6, s.label());
            }
        }
    }

    @Test
    void plainCriteriaLoadsAHuggingFaceFolderAsItIs() throws Exception {
        // nothing siglip4j-specific: SiglipRepositoryFactory (a DJL ServiceLoader entry) recognises
        // the folder and gives DJL the block factory, translator factory and options
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(Fixtures.dir()).optEngine("PyTorch").optArgument("labels", LABELS).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            assertScoresEqualThePipeline(predictor.predict(image("gradient_wide.png")), "gradient_wide.png");
        }
        Criteria<String, float[]> texts = Criteria.builder().setTypes(String.class, float[].class)
                .optModelUrls(Fixtures.dir().toUri().toString()).build();
        try (ZooModel<String, float[]> model = texts.loadModel();
                Predictor<String, float[]> predictor = model.newPredictor();
                SiglipPipeline pipeline = SiglipPipeline.load(Fixtures.dir())) {
            assertArrayEquals(pipeline.embedTexts(List.of("a photo of a cat"))[0], predictor.predict("a photo of a cat"),
                    1e-6f);
        }
    }

    @Test
    void plainCriteriaTakesTheLabelsFromServingProperties(@TempDir Path tmp) throws Exception {
        Path dir = copyOfFixture(tmp);
        SiglipCriteria.writeServingProperties(dir, "labels=gradient|circles|noise|checkerboard|cat");
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(dir).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            assertScoresEqualThePipeline(predictor.predict(image("gradient_wide.png")), "gradient_wide.png");
        }
    }

    @Test
    void otherFoldersStillLoadAsDjlLoadsThem(@TempDir Path tmp) throws Exception {
        // the file: repository is siglip4j's now: a folder that is not SigLIP's gets DJL's own
        // handling, here "x.pt file not found" for a folder without a TorchScript file
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"bert\"}");
        Criteria<ai.djl.ndarray.NDList, ai.djl.ndarray.NDList> criteria = Criteria.builder()
                .setTypes(ai.djl.ndarray.NDList.class, ai.djl.ndarray.NDList.class).optModelPath(tmp)
                .optEngine("PyTorch").build();
        Exception e = assertThrows(Exception.class, criteria::loadModel);
        assertTrue(String.valueOf(e.getMessage()).contains(".pt file not found"), e.toString());
        assertTrue(SiglipRepositoryFactory.isSiglipFolder(Fixtures.dir()));
        assertTrue(!SiglipRepositoryFactory.isSiglipFolder(tmp));
    }

    @Test
    void djlServingLoadPathAnswersAnImageRequest(@TempDir Path tmp) throws Exception {
        // DJL Serving's ModelInfo.load: Criteria<Input, Output>, the folder as a URL, the
        // serving.properties entries as arguments and options; a request's body becomes the Input
        Path dir = copyOfFixture(tmp);
        SiglipCriteria.writeServingProperties(dir, "labels=gradient|circles|noise|checkerboard|cat");
        java.util.Properties prop = new java.util.Properties();
        try (var in = Files.newInputStream(dir.resolve("serving.properties"))) {
            prop.load(in);
        }
        Criteria.Builder<ai.djl.modality.Input, ai.djl.modality.Output> b = Criteria.builder()
                .setTypes(ai.djl.modality.Input.class, ai.djl.modality.Output.class)
                .optModelUrls(dir.toUri().toURL().toString()).optEngine(prop.getProperty("engine"));
        for (String key : prop.stringPropertyNames()) {
            if (key.startsWith("option.")) {
                b.optOption(key.substring(7), prop.getProperty(key));
            } else {
                b.optArgument(key, prop.getProperty(key));
            }
        }
        try (ZooModel<ai.djl.modality.Input, ai.djl.modality.Output> model = b.build().loadModel();
                Predictor<ai.djl.modality.Input, ai.djl.modality.Output> predictor = model.newPredictor()) {
            ai.djl.modality.Input request = new ai.djl.modality.Input();
            request.add(Files.readAllBytes(Fixtures.file("inputs/gradient_wide.png")));
            request.addProperty("Content-Type", "image/png");
            ai.djl.modality.Output response = predictor.predict(request);
            assertEquals("application/json", response.getProperty("Content-Type", null));
            com.google.gson.JsonArray items = ai.djl.util.JsonUtils.GSON.fromJson(response.getData().getAsString(),
                    com.google.gson.JsonArray.class);
            List<String> names = new java.util.ArrayList<>();
            List<Double> probs = new java.util.ArrayList<>();
            for (var item : items) {
                names.add(item.getAsJsonObject().get("className").getAsString());
                probs.add(item.getAsJsonObject().get("probability").getAsDouble());
            }
            assertScoresEqualThePipeline(new Classifications(names, probs), "gradient_wide.png");
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
