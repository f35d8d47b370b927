package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;

/**
 * A SigLIP 2 FixRes folder (model_type {@code siglip}, SigLIP 1 module tree, Gemma
 * {@code tokenizer.json}) end to end against transformers 5.18: processor pixels, embeddings and
 * HF's zero-shot pipeline scores ({@code siglip2-tiny-fixres}).
 */
class Siglip2FixResTest {
    static final String FOLDER = "siglip2-tiny-fixres";
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png");
    static SiglipPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = SiglipPipeline.load(Fixtures.dir(FOLDER));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    static List<Path> images() {
        List<Path> out = new ArrayList<>();
        for (String f : IMAGES) {
            out.add(Fixtures.file("inputs/" + f));
        }
        return out;
    }

    static List<String> texts(String folder) throws IOException {
        JsonObject tokens = JsonParser.parseString(
                Files.readString(Fixtures.dir(folder).resolve("expected/tokens.json"))).getAsJsonObject();
        List<String> texts = new ArrayList<>();
        for (JsonElement e : tokens.getAsJsonArray("texts")) {
            texts.add(e.getAsJsonObject().get("text").getAsString());
        }
        return texts;
    }

    static double[] flat(float[][] rows) {
        int d = rows[0].length;
        double[] out = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                out[i * d + j] = rows[i][j];
            }
        }
        return out;
    }

    /** The folder's {@code SiglipImageProcessor} (bilinear, as SigLIP 2 FixRes folders say) against HF's pixels. */
    @Test
    void processorPixelsMatchHf() {
        float[] got = org.siglip4j.core.processing.SiglipImageProcessor.load(Fixtures.dir(FOLDER))
                .preprocessFilesToArray(images());
        Fixtures.assertClose(Fixtures.expected(FOLDER, "pixel_values").values(), got, 1e-6, 0, "pixel_values");
    }

    @Test
    void embeddingsMatchHf() throws IOException {
        float[][] image = pipeline.embedImages(images());
        Fixtures.assertClose(Fixtures.expected(FOLDER, "image_embeds").values(), flat(image), 1e-5, 0,
                "image_embeds");
        float[][] text = pipeline.embedTexts(texts(FOLDER).subList(0, 8));
        Fixtures.assertClose(Fixtures.expected(FOLDER, "text_embeds").values(), flat(text), 1e-5, 0, "text_embeds");
        Fixtures.assertClose(Fixtures.expected(FOLDER, "logits_per_image").values(),
                flat(pipeline.logits(image, text)), 1e-4, 0, "logits_per_image");
    }

    /** HF's {@code ZeroShotImageClassificationPipeline} on the same folder, image by image. */
    static void assertZeroShotMatches(ZeroShotImageClassifier classifier, String folder) throws IOException {
        JsonObject run = JsonParser.parseString(
                Files.readString(Fixtures.dir(folder).resolve("expected/zero_shot.json"))).getAsJsonObject();
        List<String> labels = new ArrayList<>();
        run.getAsJsonArray("labels").forEach(e -> labels.add(e.getAsString()));
        JsonArray results = run.getAsJsonArray("results");
        List<List<LabelScore>> got = classifier.classify(images(), labels,
                run.get("hypothesis_template").getAsString());
        for (int i = 0; i < results.size(); i++) {
            JsonArray want = results.get(i).getAsJsonObject().getAsJsonArray("scores");
            for (int k = 0; k < want.size(); k++) {
                JsonObject w = want.get(k).getAsJsonObject();
                LabelScore g = got.get(i).get(k);
                assertEquals(w.get("label").getAsString(), g.label(), folder + " image " + i + " rank " + k);
                double s = w.get("score").getAsDouble();
                assertEquals(s, g.score(), 2e-3 * s, folder + " image " + i + " " + g.label());
            }
        }
    }

    @Test
    void zeroShotMatchesHfPipeline() throws IOException {
        assertZeroShotMatches(new ZeroShotImageClassifier(pipeline), FOLDER);
    }
}
