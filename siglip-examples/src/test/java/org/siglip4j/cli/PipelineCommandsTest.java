package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.DType;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.checkpoint.TensorInfo;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;
import picocli.CommandLine;

/** classify, embed, similarity and download run in-process on the siglip-tiny fixture. */
class PipelineCommandsTest {
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = SiglipCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String model() {
        return Fixtures.dir().toString();
    }

    static String image(String name) {
        return Fixtures.file("inputs/" + name).toString();
    }

    static void assertOneLineError(Run r, String part) {
        assertEquals(1, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line, no stack trace: " + r.err());
        assertTrue(lines[0].startsWith("error: "), r.err());
        assertTrue(lines[0].contains(part), "'" + r.err() + "' should contain '" + part + "'");
    }

    @Test
    void embedReproducesHfEmbeddingsAndLogits(@TempDir Path tmp) {
        List<String> args = new ArrayList<>(List.of("embed", "--model", model(), "--texts-file",
                Fixtures.file("inputs/texts.json").toString(), "--out", tmp.resolve("sub/e.safetensors").toString(),
                "--batch-size", "3"));
        for (String n : IMAGES) {
            args.add("--image");
            args.add(image(n));
        }
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("image_embeds [8, 32], text_embeds [19, 32], logits_per_image [8, 19]"), r.out());
        try (SafetensorsReader reader = SafetensorsReader.open(tmp.resolve("sub/e.safetensors"))) {
            assertEquals(3, reader.tensors().size());
            assertTensor(reader, "image_embeds", 1e-5, 0);
            assertTensor(reader, "text_embeds", 1e-5, 0);
            assertTensor(reader, "logits_per_image", 1e-4, 1e-4);
        }
    }

    static void assertTensor(SafetensorsReader reader, String name, double atol, double rtol) {
        Npy.Array e = Fixtures.expected(name);
        TensorInfo info = reader.info(name);
        assertEquals(DType.F32, info.dtype(), name);
        assertArrayEquals(e.shape(), info.shape(), name);
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            Fixtures.assertClose(e.values(), reader.load(name, m).toFloatArray(), atol, rtol, name);
        }
    }

    @Test
    void embedKeepsTextOrderAndReadsTextFiles(@TempDir Path tmp) throws IOException {
        Path txt = Files.writeString(tmp.resolve("t.txt"), "a grayscale checkerboard\r\n\nexactly 32×32\n",
                StandardCharsets.UTF_8);
        assertEquals(List.of("a grayscale checkerboard", "", "exactly 32×32"), EmbedCommand.readTexts(txt));
        Path out = tmp.resolve("t.safetensors");
        Run r = run("embed", "-m", model(), "--text", "Two circles & a square (tall image)!", "--text",
                "random noise: 13x11 pixels", "--texts-file", txt.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("text_embeds [5, 32]") && !r.out().contains("image_embeds"), r.out());
        Npy.Array e = Fixtures.expected("text_embeds");
        int[] rows = {1, 2, 3, 8, 7}; // texts.json indices, "" is text 8
        try (SafetensorsReader reader = SafetensorsReader.open(out);
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] got = reader.load("text_embeds", m).toFloatArray();
            for (int k = 0; k < rows.length; k++) {
                Fixtures.assertClose(Arrays.copyOfRange(e.values(), rows[k] * 32, rows[k] * 32 + 32),
                        Arrays.copyOfRange(got, k * 32, k * 32 + 32), 1e-5, 0, "text " + k);
            }
        }
        Path bad = Files.writeString(tmp.resolve("bad.json"), "[\"ok\", 3]");
        assertOneLineError(run("embed", "-m", model(), "--texts-file", bad.toString(), "--out", out.toString()),
                "element 1 is 3, expected a string");
        Run none = run("embed", "-m", model(), "--out", out.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("nothing to embed"), none.err());
    }

    static JsonArray zeroShotRuns() throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.file("expected/zero_shot.json")))
                .getAsJsonObject().getAsJsonArray("runs");
    }

    @Test
    void classifyTextAndJsonMatchHfPipeline() throws IOException {
        JsonArray runs = zeroShotRuns();
        List<String> args = new ArrayList<>(List.of("classify", "--model", model(), "--labels",
                "gradient,circles,noise,checkerboard,cat", "--template", "This is a photo of {}."));
        for (JsonElement e : runs) {
            args.add(image(e.getAsJsonObject().get("image").getAsString()));
        }
        Run text = run(args.toArray(String[]::new));
        assertEquals(0, text.code(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals(runs.size() * 6, lines.size(), text.out());
        args.add("--json");
        Run json = run(args.toArray(String[]::new));
        assertEquals(0, json.code(), json.err());
        JsonArray got = JsonParser.parseString(json.out()).getAsJsonArray();
        for (int i = 0; i < runs.size(); i++) {
            JsonObject run = runs.get(i).getAsJsonObject();
            assertEquals(image(run.get("image").getAsString()), lines.get(i * 6));
            assertEquals(image(run.get("image").getAsString()), got.get(i).getAsJsonObject().get("image").getAsString());
            JsonArray expected = run.getAsJsonArray("result");
            JsonArray results = got.get(i).getAsJsonObject().getAsJsonArray("results");
            for (int k = 0; k < expected.size(); k++) {
                JsonObject e = expected.get(k).getAsJsonObject();
                JsonObject g = results.get(k).getAsJsonObject();
                assertEquals(e.get("label").getAsString(), g.get("label").getAsString());
                assertEquals(e.get("score").getAsDouble(), g.get("score").getAsDouble(), 1e-5);
                String line = String.format(Locale.ROOT, "  %-12s  %.6f", e.get("label").getAsString(),
                        g.get("score").getAsDouble());
                assertEquals(line, lines.get(i * 6 + 1 + k));
            }
        }
        Run top = run("classify", "-m", model(), image("gradient_wide.png"), "-l", "cat,gradient", "-l", "noise",
                "--top", "1");
        assertEquals(0, top.code(), top.err());
        assertEquals(List.of(image("gradient_wide.png"), String.format(Locale.ROOT, "  gradient  %.6f",
                runs.get(0).getAsJsonObject().getAsJsonArray("result").get(0).getAsJsonObject().get("score")
                        .getAsDouble())), top.out().lines().toList());
    }

    @Test
    void labelsFileGivesTheSameScoresAndAllowsCommas(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("labels.txt");
        Files.writeString(file, "gradient\ncircles\n\n  noise  \ncheckerboard\ncat\n");
        Run fromFile = run("classify", "-m", model(), image("gradient_wide.png"), "--labels-file", file.toString());
        Run fromOption = run("classify", "-m", model(), image("gradient_wide.png"), "--labels",
                "gradient,circles,noise,checkerboard,cat");
        assertEquals(0, fromFile.code(), fromFile.err());
        assertEquals(fromOption.out(), fromFile.out());
        Path commas = tmp.resolve("commas.txt");
        Files.writeString(commas, "red, then blue\ncat\n");
        Run r = run("classify", "-m", model(), image("gradient_wide.png"), "--labels-file", commas.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonArray results = JsonParser.parseString(r.out()).getAsJsonArray().get(0).getAsJsonObject()
                .getAsJsonArray("results");
        assertEquals(2, results.size());
        assertTrue(r.out().contains("\"red, then blue\""), r.out());
        assertOneLineError(run("classify", "-m", model(), image("gradient_wide.png"), "--labels-file",
                tmp.resolve("none.txt").toString()), "labels file not found");
        assertEquals(2, run("classify", "-m", model(), image("gradient_wide.png"), "--labels", "cat",
                "--labels-file", file.toString()).code(), "one of the two, not both");
    }

    @Test
    void classifyUsesAFineTunedHeadsOwnLabels() {
        String cls = Fixtures.file("classification").toString();
        Run r = run("classify", "-m", cls, image("gradient_wide.png"), image("noise_small.png"), "--top", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonArray got = JsonParser.parseString(r.out()).getAsJsonArray();
        try (org.siglip4j.core.pipeline.ImageClassificationPipeline p =
                org.siglip4j.core.pipeline.ImageClassificationPipeline.fromPretrained(cls)) {
            List<List<org.siglip4j.core.pipeline.LabelScore>> expected = p.classify(
                    List.of(Path.of(image("gradient_wide.png")), Path.of(image("noise_small.png"))));
            for (int i = 0; i < 2; i++) {
                JsonArray results = got.get(i).getAsJsonObject().getAsJsonArray("results");
                assertEquals(2, results.size());
                for (int k = 0; k < 2; k++) {
                    assertEquals(expected.get(i).get(k).label(), results.get(k).getAsJsonObject().get("label").getAsString());
                    assertEquals(expected.get(i).get(k).score(), results.get(k).getAsJsonObject().get("score").getAsDouble(),
                            1e-12);
                }
            }
        }
        assertOneLineError(run("classify", "-m", cls, image("gradient_wide.png"), "--labels", "cat"),
                "fine-tuned classifier with its own labels");
    }

    @Test
    void similarityPrintsAnAlignedTable() {
        Run r = run("similarity", "-m", model(), "--image", image("gradient_wide.png"), "--image",
                image("noise_small.png"), "--text", "A smooth RED-to-blue gradient, wide format.", "--text",
                "random noise: 13x11 pixels", "--logits");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(6, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("image "), r.out());
        assertEquals(lines.get(0).length(), lines.get(1).length(), "aligned columns");
        assertEquals(lines.get(1).length(), lines.get(2).length(), "aligned columns");
        Npy.Array e = Fixtures.expected("logits_per_image");
        String[] row = lines.get(2).trim().split("\\s+");
        assertEquals(image("noise_small.png"), row[0]);
        assertEquals(e.values()[2 * 19 + 2], Double.parseDouble(row[2]), 1e-4 + 1e-4 * 13);
        assertEquals("t1: random noise: 13x11 pixels", lines.get(5));
    }

    @Test
    void errorsAreOneLineWithExitCodes(@TempDir Path tmp) {
        Path missing = tmp.resolve("missing.png");
        assertOneLineError(run("classify", "-m", model(), missing.toString(), "--labels", "cat"),
                "image file not found: " + missing);
        assertOneLineError(run("classify", "-m", model(), image("exact_size.png"), "--labels", ""),
                "no candidate labels");
        assertOneLineError(run("classify", "-m", model(), image("exact_size.png"), "--labels", "cat,dog,cat"),
                "duplicate candidate label 'cat'");
        assertOneLineError(run("classify", "-m", model(), image("exact_size.png"), "--labels", "cat", "--template",
                "a photo"), "has no {}");
        assertOneLineError(run("classify", "-m", tmp.toString(), image("exact_size.png"), "--labels", "cat"),
                "has no config.json");
        assertOneLineError(run("classify", "-m", "./nowhere", image("exact_size.png"), "--labels", "cat"),
                "does not exist");
        assertOneLineError(run("classify", "-m", model(), "--device", "tpu", image("exact_size.png"), "--labels",
                "cat"), "unknown device 'tpu'");
        Run verbose = run("classify", "-m", model(), missing.toString(), "--labels", "cat", "--verbose");
        assertEquals(1, verbose.code());
        assertTrue(verbose.err().contains("\tat "), "--verbose prints the stack trace");

        Run unknown = run("classify", "-m", model(), image("exact_size.png"), "--labels", "cat", "--bogus");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("Unknown option: '--bogus'"), unknown.err());
        Run noLabels = run("classify", "-m", model(), image("exact_size.png"));
        assertEquals(2, noLabels.code());
        Run batch = run("embed", "-m", model(), "--text", "x", "--out", tmp.resolve("x").toString(),
                "--batch-size", "0");
        assertEquals(2, batch.code());
    }

    @Test
    void downloadErrorsWithoutNetworkOrCache(@TempDir Path tmp) {
        assertOneLineError(run("download", "--offline", "--cache-dir", tmp.toString(), "google/siglip-base-patch16-224"),
                "offline mode is on");
        assertOneLineError(run("download", "--endpoint", "http://127.0.0.1:1", "--cache-dir", tmp.toString(),
                "--no-progress", "google/siglip-base-patch16-224"), "cannot reach http://127.0.0.1:1");
        assertOneLineError(run("download", "--offline", "--cache-dir", tmp.toString(), "not a valid id"), "");
    }

    @Test
    void helpDocumentsEveryOption() {
        Run classify = run("classify", "--help");
        assertEquals(0, classify.code());
        for (String opt : List.of("--model", "--device", "--batch-size", "--no-progress", "--labels", "--template",
                "--top", "--json", "--verbose", "IMAGE")) {
            assertTrue(classify.out().contains(opt), opt + " in\n" + classify.out());
        }
        Run embed = run("embed", "--help");
        for (String opt : List.of("--image", "--text", "--texts-file", "--out", "image_embeds", "text_embeds",
                "logits_per_image")) {
            assertTrue(embed.out().contains(opt), opt + " in\n" + embed.out());
        }
        Run top = run("--help");
        for (String cmd : List.of("classify", "embed", "similarity", "download")) {
            assertTrue(top.out().contains(cmd), cmd);
        }
        assertFalse(run("download", "--help").out().isEmpty());
    }
}
