package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.cli.PipelineCommandsTest.Run;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** {@code siglip convert} and the model commands on the open_clip, timm and big_vision fixtures. */
class ConvertCommandTest {
    static final Path FORMATS = Fixtures.dir().getParent().resolve("formats");

    @TempDir
    static Path cache;

    @BeforeAll
    static void useTempCache() {
        System.setProperty(CheckpointFormats.CACHE_PROPERTY, cache.toString());
    }

    @AfterAll
    static void clear() {
        System.clearProperty(CheckpointFormats.CACHE_PROPERTY);
    }

    /** classify with template "{}" scores sigmoid(logit) of each text; the reference's logits give them. */
    static void assertClassifyMatches(String model, String layout) throws IOException {
        List<String> texts = JsonParser.parseString(Files.readString(FORMATS.resolve("inputs/texts.json")))
                .getAsJsonArray().asList().stream().map(JsonElement::getAsString).toList();
        Npy.Array logits = Npy.read(FORMATS.resolve(layout).resolve("expected/logits_per_image.npy"));
        List<Integer> usable = List.of(0, 2, 3, 4); // the texts without commas (classify splits --labels on them)
        String labels = String.join(",", usable.stream().map(texts::get).toList());
        Run r = PipelineCommandsTest.run("classify", "-m", model, FORMATS.resolve("inputs/shapes_tall.png").toString(),
                "--labels", labels, "--template", "{}", "--json");
        assertEquals(0, r.code(), r.err());
        JsonArray results = JsonParser.parseString(r.out()).getAsJsonArray().get(0).getAsJsonObject()
                .getAsJsonArray("results");
        Map<String, Double> got = new HashMap<>();
        results.forEach(e -> got.put(e.getAsJsonObject().get("label").getAsString(),
                e.getAsJsonObject().get("score").getAsDouble()));
        int cols = (int) logits.shape()[1];
        for (int j : usable) {
            double expected = 1 / (1 + Math.exp(-logits.values()[cols + j])); // image 1: shapes_tall.png
            assertEquals(expected, got.get(texts.get(j)), 1e-5, layout + " score of '" + texts.get(j) + "'");
        }
    }

    @Test
    void classifyReadsAnOpenClipFolderAndABigVisionFile() throws IOException {
        assertClassifyMatches(FORMATS.resolve("open_clip").toString(), "open_clip");
        assertClassifyMatches(FORMATS.resolve("big_vision/siglip_tiny.npz").toString(), "big_vision");
    }

    @Test
    void convertWritesEitherLayoutAndReadsItBack(@TempDir Path tmp) throws IOException {
        Path hf = tmp.resolve("hf-from-open_clip");
        Run r = PipelineCommandsTest.run("convert", "--model", FORMATS.resolve("open_clip").toString(), "--to", "hf",
                "--out", hf.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("config.json", "model.safetensors", "preprocessor_config.json", "spiece.model",
                "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(hf.resolve(f)), f);
        }
        assertEquals(CheckpointFormats.Format.HUGGING_FACE, CheckpointFormats.detect(hf));
        assertClassifyMatches(hf.toString(), "open_clip");

        Path oc = tmp.resolve("open_clip-from-hf");
        r = PipelineCommandsTest.run("convert", "-m", hf.toString(), "--to", "open_clip", "--out", oc.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(CheckpointFormats.Format.OPEN_CLIP, CheckpointFormats.detect(oc));
        assertClassifyMatches(oc.toString(), "open_clip");
    }

    @Test
    void finetuneAndEvalRunOnForeignLayouts(@TempDir Path tmp) throws IOException {
        Path classes = tmp.resolve("classes");
        String[][] byClass = {{"gradient", "gradient_wide.png"}, {"shapes", "shapes_tall.png"},
            {"noise", "noise_small.png"}, {"checker", "gray_checker.png"}};
        for (String[] c : byClass) {
            Files.createDirectories(classes.resolve(c[0]));
            Files.copy(FORMATS.resolve("inputs").resolve(c[1]), classes.resolve(c[0]).resolve(c[1]));
            Files.copy(FORMATS.resolve("inputs/fashion-mnist-bag-0.png"), classes.resolve(c[0]).resolve("bag.png"));
        }
        Path json = tmp.resolve("zs.json");
        Run eval = PipelineCommandsTest.run("eval-zeroshot", "--model", FORMATS.resolve("open_clip").toString(),
                "--data", classes.toString(), "--json", json.toString(), "--no-progress");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(Files.readString(json).contains("top1"), Files.readString(json));

        Run cls = PipelineCommandsTest.run("finetune", "--classification", "--model",
                FORMATS.resolve("timm-map").toString(), "--train", classes.toString(), "--out",
                tmp.resolve("cls").toString(), "--epochs", "1", "--batch-size", "4", "--no-progress");
        assertEquals(0, cls.code(), cls.err() + cls.out());
        assertTrue(cls.out().contains("done: 2 steps"), cls.out());
        // the timm MAP tower's ImageNet-style head (5 unnamed classes) gives way to one for the 4 folders,
        // still reading the MAP-pooled token
        assertTrue(cls.out().contains("a new classifier head is trained for 4"), cls.out());
        java.util.regex.Matcher finalModel = java.util.regex.Pattern.compile("model:\\s+(\\S+)").matcher(cls.out());
        assertTrue(finalModel.find(), cls.out());
        String saved = Files.readString(Path.of(finalModel.group(1)).resolve("config.json"));
        assertTrue(saved.contains("\"siglip4j_classifier_pooling\": \"map\""), saved);
        Run classify = PipelineCommandsTest.run("classify", "-m", finalModel.group(1),
                FORMATS.resolve("inputs/chelsea-photo.png").toString());
        assertEquals(0, classify.code(), classify.err());
        assertTrue(classify.out().contains("gradient") && classify.out().contains("checker"), classify.out());

        // an image-only tower where both towers are needed: one line saying what it can do
        String imageOnly = "is an image-only model (a timm tower or a vision-only folder, no text tower): use embed"
                + " --image, classify (its own classes) or finetune --classification";
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("eval-zeroshot", "--model",
                FORMATS.resolve("timm-map").toString(), "--data", classes.toString(), "--no-progress"), imageOnly);

        Path manifest = FinetuneCommandTest.manifest(tmp.resolve("pairs"));
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("finetune", "--model",
                FORMATS.resolve("timm-gap").toString(), "--train", manifest.toString(), "--out",
                tmp.resolve("no-run").toString(), "--steps", "2", "--batch-size", "8", "--no-progress"), imageOnly);
        Run pairs = PipelineCommandsTest.run("finetune", "--model",
                FORMATS.resolve("big_vision/siglip_tiny.npz").toString(), "--train", manifest.toString(), "--out",
                tmp.resolve("run").toString(), "--steps", "2", "--batch-size", "8", "--no-progress");
        assertEquals(0, pairs.code(), pairs.err() + pairs.out());
        assertTrue(pairs.out().contains("done: 2 steps"), pairs.out());
    }

    /**
     * embed on a timm tower gives timm's pooled features, normalised, on every fixture input, the
     * non-square photos included (timm's own eval transform: crop_pct 0.9, centre crop or squash).
     */
    @Test
    void embedGivesTimmsPooledFeatures(@TempDir Path tmp) throws IOException {
        List<String> square = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png", "gray_checker.png",
                "fashion-mnist-sneaker-0.png", "fashion-mnist-bag-0.png", "chelsea-photo.png", "coffee-photo.png");
        for (String layout : List.of("timm-map", "timm-gap")) {
            Path out = tmp.resolve(layout + ".safetensors");
            List<String> args = new java.util.ArrayList<>(List.of("embed", "-m", FORMATS.resolve(layout).toString(),
                    "--out", out.toString(), "--no-progress"));
            square.forEach(n -> args.addAll(List.of("--image", FORMATS.resolve("inputs").resolve(n).toString())));
            Run r = PipelineCommandsTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            Npy.Array pooled = Npy.read(FORMATS.resolve(layout).resolve("expected/pooled.npy"));
            int d = (int) pooled.shape()[1];
            float[] got;
            try (var reader = org.siglip4j.core.checkpoint.SafetensorsReader.open(out);
                    var m = ai.djl.ndarray.NDManager.newBaseManager()) {
                got = reader.load("image_embeds", m).toFloatArray();
            }
            for (int i = 0; i < square.size(); i++) {
                int row = i; // the fixture's inputs, in order
                double norm = 0;
                for (int k = 0; k < d; k++) {
                    norm += pooled.values()[row * d + k] * pooled.values()[row * d + k];
                }
                for (int k = 0; k < d; k++) {
                    assertEquals(pooled.values()[row * d + k] / Math.sqrt(norm), got[i * d + k], 1e-5,
                            layout + " image " + square.get(i) + " dim " + k);
                }
            }
        }
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("embed", "-m",
                FORMATS.resolve("timm-map").toString(), "--text", "a cat", "--out", tmp.resolve("t.st").toString()),
                "image-only model");
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("classify", "-m",
                FORMATS.resolve("timm-gap").toString(), FORMATS.resolve("inputs/noise_small.png").toString(),
                "--labels", "cat"), "is a fine-tuned classifier with its own labels (id2label); drop --labels");
    }

    @Test
    void badTargetsAndFoldersAreOneLine(@TempDir Path tmp) throws IOException {
        Run r = PipelineCommandsTest.run("convert", "-m", FORMATS.resolve("open_clip").toString(), "--to", "timm",
                "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--to must be hf or open_clip"), r.err());
        Files.writeString(tmp.resolve("taken.txt"), "x");
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("convert", "-m",
                FORMATS.resolve("open_clip").toString(), "--to", "hf", "--out", tmp.toString()), "is not empty");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "x");
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("embed", "-m", empty.toString(),
                "--image", FORMATS.resolve("inputs/noise_small.png").toString(), "--out",
                tmp.resolve("e.safetensors").toString()), "open_clip_config.json");
    }
}
