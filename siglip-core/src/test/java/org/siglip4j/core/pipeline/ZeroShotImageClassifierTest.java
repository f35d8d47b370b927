package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.testing.Fixtures;

/** The zero-shot pipeline against HF's {@code ZeroShotImageClassificationPipeline} output. */
class ZeroShotImageClassifierTest {
    static ZeroShotImageClassifier classifier;

    @BeforeAll
    static void load() {
        classifier = ZeroShotImageClassifier.load(Fixtures.dir());
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    static JsonArray runs() throws IOException {
        String json = Files.readString(Fixtures.file("expected/zero_shot.json"), StandardCharsets.UTF_8);
        return JsonParser.parseString(json).getAsJsonObject().getAsJsonArray("runs");
    }

    static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : a) {
            out.add(e.getAsString());
        }
        return out;
    }

    @Test
    void reproducesHfPipelineOutput() throws IOException {
        JsonArray runs = runs();
        // all runs share labels and template: classify their images in one call, as a user would
        JsonObject first = runs.get(0).getAsJsonObject();
        List<String> labels = strings(first.getAsJsonArray("candidate_labels"));
        String template = first.get("hypothesis_template").getAsString();
        List<Path> images = new ArrayList<>();
        for (JsonElement r : runs) {
            JsonObject run = r.getAsJsonObject();
            assertEquals(labels, strings(run.getAsJsonArray("candidate_labels")));
            assertEquals(template, run.get("hypothesis_template").getAsString());
            images.add(Fixtures.file("inputs/" + run.get("image").getAsString()));
        }
        List<List<LabelScore>> got = classifier.classify(images, labels, template);
        assertEquals(runs.size(), got.size());
        double worstRel = 0;
        for (int i = 0; i < runs.size(); i++) {
            JsonArray expected = runs.get(i).getAsJsonObject().getAsJsonArray("result");
            assertEquals(expected.size(), got.get(i).size());
            for (int k = 0; k < expected.size(); k++) {
                JsonObject e = expected.get(k).getAsJsonObject();
                LabelScore g = got.get(i).get(k);
                assertEquals(e.get("label").getAsString(), g.label(), "image " + i + " rank " + k);
                double s = e.get("score").getAsDouble();
                assertEquals(s, g.score(), 1e-5, "image " + i + " " + g.label());
                // d sigmoid = p(1-p) dz, and logits agree to 1e-4 + 1e-4|z| (|z| ~ 10 here)
                assertEquals(s, g.score(), 2e-3 * s, "image " + i + " " + g.label() + " (relative)");
                worstRel = Math.max(worstRel, Math.abs(g.score() - s) / s);
            }
        }
        System.out.printf("zero-shot scores: max relative difference to HF %.3g%n", worstRel);
    }

    @Test
    void defaultTemplateAndInputKindsAgree() throws IOException {
        JsonObject run = runs().get(1).getAsJsonObject();
        List<String> labels = strings(run.getAsJsonArray("candidate_labels"));
        Path file = Fixtures.file("inputs/" + run.get("image").getAsString());
        RgbImage rgb = ImageLoader.load(file);
        List<List<LabelScore>> got = classifier.classify(List.of(file, file.toFile(), rgb, rgb.toBufferedImage()),
                labels);
        got = new ArrayList<>(got);
        got.add(classifier.classifyImage(file, labels));
        for (List<LabelScore> r : got) {
            // same pixels; only the batch position differs (float32 BLAS rounding)
            for (int k = 0; k < labels.size(); k++) {
                assertEquals(got.get(0).get(k).label(), r.get(k).label());
                assertEquals(got.get(0).get(k).score(), r.get(k).score(), 1e-9);
            }
        }
        assertEquals(run.getAsJsonArray("result").get(0).getAsJsonObject().get("label").getAsString(),
                got.get(0).get(0).label());
    }

    @Test
    void batchSizeDoesNotChangeResults() {
        List<Path> files = fixtureImages();
        List<String> labels = List.of("gradient", "circles", "noise");
        try (SiglipPipeline small = SiglipPipeline.builder().setModelDir(Fixtures.dir()).optBatchSize(3).build()) {
            List<long[]> progress = new ArrayList<>();
            List<List<LabelScore>> a = new ZeroShotImageClassifier(small).classify(files, labels, null,
                    (done, total) -> progress.add(new long[] {done, total}));
            List<List<LabelScore>> b = classifier.classify(files, labels);
            assertEquals(3, progress.size(), "8 images in batches of 3");
            assertArrayEquals(new long[] {8, 8}, progress.get(2));
            for (int i = 0; i < files.size(); i++) {
                for (int k = 0; k < labels.size(); k++) {
                    assertEquals(b.get(i).get(k).label(), a.get(i).get(k).label());
                    assertEquals(b.get(i).get(k).score(), a.get(i).get(k).score(), 1e-7);
                }
            }
        }
    }

    static List<Path> fixtureImages() {
        List<Path> files = new ArrayList<>();
        for (String n : List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png", "gray_checker.png",
                "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png")) {
            files.add(Fixtures.file("inputs/" + n));
        }
        return files;
    }

    @Test
    void clearErrors(@TempDir Path tmp) throws IOException {
        List<Path> img = List.of(Fixtures.file("inputs/exact_size.png"));
        assertMessage("no candidate labels", () -> classifier.classify(img, List.of()));
        assertMessage("duplicate candidate label 'cat' (labels #1 and #3)",
                () -> classifier.classify(img, List.of("cat", "dog", "cat")));
        assertMessage("candidate label #2 is empty", () -> classifier.classify(img, List.of("cat", " ")));
        assertMessage("has no {}", () -> classifier.classify(img, List.of("cat"), "a photo of a"));
        assertMessage("more than one {}", () -> classifier.classify(img, List.of("cat"), "{} or {}"));
        assertMessage("no images", () -> classifier.classify(List.of(), List.of("cat")));
        Path missing = tmp.resolve("missing.png");
        assertMessage("image file not found: " + missing, () -> classifier.classify(List.of(missing),
                List.of("cat")));
        Path junk = Files.writeString(tmp.resolve("junk.png"), "this is not a png");
        assertMessage("not an image", () -> classifier.classify(List.of(junk), List.of("cat")));
        byte[] png = Files.readAllBytes(img.get(0));
        Path truncated = Files.write(tmp.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 2));
        assertMessage("truncated.png", () -> classifier.classify(List.of(truncated), List.of("cat")));
        assertMessage("image #1 is a java.lang.Integer", () -> classifier.classify(List.of(img.get(0), 7),
                List.of("cat")));
        // a String is a path (issue #23: every input a Java program holds), read like a Path
        assertMessage("image file not found: x.png", () -> classifier.classify(List.of(img.get(0), "x.png"),
                List.of("cat")));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        SiglipException e = assertThrows(SiglipException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }

    @Test
    void hypothesesFillTheTemplate() {
        assertEquals(List.of("This is a photo of cat.", "This is a photo of a red car."),
                ZeroShotImageClassifier.hypotheses(List.of("cat", "a red car"), ZeroShotImageClassifier.DEFAULT_TEMPLATE));
        assertEquals(List.of("{cat}"), ZeroShotImageClassifier.hypotheses(List.of("cat"), "{{}}"));
    }

    @Test
    void concurrentCallsOnOneModelGiveTheSequentialResults() throws Exception {
        List<Path> files = fixtureImages();
        List<String> labels = List.of("gradient", "circles", "noise", "checkerboard", "cat");
        List<List<LabelScore>> expected = classifier.classify(files, labels);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<List<LabelScore>>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> classifier.classify(files, labels)));
            }
            for (Future<List<List<LabelScore>>> f : futures) {
                assertEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
