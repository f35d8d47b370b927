package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.testing.Fixtures;

/**
 * The command line on both SigLIP 2 kinds ({@code siglip2-tiny-fixres}, {@code siglip2-tiny-naflex},
 * made by transformers 5.18): classify against HF's zero-shot pipeline, embed with
 * {@code --max-num-patches}, eval-zeroshot against the pipeline's top labels, and finetune.
 */
class Siglip2CommandsTest {
    static final List<String> KINDS = List.of("siglip2-tiny-fixres", "siglip2-tiny-naflex");

    static JsonObject zeroShot(String folder) throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.dir(folder).resolve("expected/zero_shot.json")))
                .getAsJsonObject();
    }

    static List<String> labels(JsonObject zs) {
        List<String> out = new ArrayList<>();
        zs.getAsJsonArray("labels").forEach(e -> out.add(e.getAsString()));
        return out;
    }

    @Test
    void classifyMatchesHfPipelineForBothKinds() throws IOException {
        for (String folder : KINDS) {
            JsonObject zs = zeroShot(folder);
            JsonArray results = zs.getAsJsonArray("results");
            List<String> args = new ArrayList<>(List.of("classify", "--model", Fixtures.dir(folder).toString(),
                    "--labels", String.join(",", labels(zs)), "--json"));
            for (var e : results) {
                args.add(PipelineCommandsTest.image(e.getAsJsonObject().get("image").getAsString()));
            }
            PipelineCommandsTest.Run r = PipelineCommandsTest.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            JsonArray got = JsonParser.parseString(r.out()).getAsJsonArray();
            for (int i = 0; i < results.size(); i++) {
                JsonArray want = results.get(i).getAsJsonObject().getAsJsonArray("scores");
                JsonArray have = got.get(i).getAsJsonObject().getAsJsonArray("results");
                for (int k = 0; k < want.size(); k++) {
                    JsonObject w = want.get(k).getAsJsonObject();
                    JsonObject h = have.get(k).getAsJsonObject();
                    assertEquals(w.get("label").getAsString(), h.get("label").getAsString(), folder + " " + i);
                    double s = w.get("score").getAsDouble();
                    assertEquals(s, h.get("score").getAsDouble(), 2e-3 * s, folder + " image " + i);
                }
            }
        }
    }

    @Test
    void embedTakesMaxNumPatches(@TempDir Path tmp) {
        String folder = "siglip2-tiny-naflex";
        List<String> args = new ArrayList<>(List.of("embed", "--model", Fixtures.dir(folder).toString(),
                "--max-num-patches", "9", "--out", tmp.resolve("e.safetensors").toString()));
        for (String n : PipelineCommandsTest.IMAGES) {
            args.add("--image");
            args.add(PipelineCommandsTest.image(n));
        }
        PipelineCommandsTest.Run r = PipelineCommandsTest.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        try (SafetensorsReader reader = SafetensorsReader.open(tmp.resolve("e.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            Fixtures.assertClose(Fixtures.expected(folder, "image_embeds_max9").values(),
                    reader.load("image_embeds", m).toFloatArray(), 1e-5, 0, "image_embeds at --max-num-patches 9");
        }
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("classify", "--model",
                Fixtures.dir("siglip2-tiny-fixres").toString(), "--max-num-patches", "9", "--labels", "a,b",
                PipelineCommandsTest.image("exact_size.png")), "NaFlex");
        PipelineCommandsTest.Run zero = PipelineCommandsTest.run("classify", "--model", Fixtures.dir(folder).toString(),
                "--max-num-patches", "0", "--labels", "a,b", PipelineCommandsTest.image("exact_size.png"));
        assertEquals(2, zero.code(), zero.err());
        assertTrue(zero.err().contains("--max-num-patches must be at least 1"), zero.err());
    }

    /**
     * One template equal to HF's pipeline template makes each class embedding that prompt's
     * embedding, so top-1 is correct exactly where HF's pipeline ranks the folder's class first.
     * Images are filed under their HF top label (even index) or second label (odd index).
     */
    @Test
    void evalZeroShotAgreesWithHfRankingForBothKinds(@TempDir Path tmp) throws IOException {
        for (String folder : KINDS) {
            JsonObject zs = zeroShot(folder);
            Path data = tmp.resolve(folder + "-data");
            JsonArray results = zs.getAsJsonArray("results");
            int correct = 0;
            for (int i = 0; i < results.size(); i++) {
                JsonObject res = results.get(i).getAsJsonObject();
                JsonArray scores = res.getAsJsonArray("scores");
                String label = scores.get(i % 2).getAsJsonObject().get("label").getAsString();
                correct += i % 2 == 0 ? 1 : 0;
                Path dir = data.resolve(label.replace(' ', '_'));
                Files.createDirectories(dir);
                String image = res.get("image").getAsString();
                Files.copy(Fixtures.file("inputs/" + image), dir.resolve(image));
            }
            for (String label : labels(zs)) {
                Files.createDirectories(data.resolve(label.replace(' ', '_')));
            }
            Path templates = Files.writeString(tmp.resolve(folder + "-templates.txt"),
                    zs.get("hypothesis_template").getAsString() + "\n");
            Path json = tmp.resolve(folder + ".json");
            EvalCommandsTest.Run r = EvalCommandsTest.cli("eval-zeroshot", "--model", Fixtures.dir(folder).toString(),
                    "--data", data.toString(), "--templates", templates.toString(), "--json", json.toString(),
                    "--no-progress");
            assertEquals(0, r.exit(), r.err());
            JsonObject metrics = JsonParser.parseString(Files.readString(json)).getAsJsonObject()
                    .getAsJsonObject("metrics");
            assertEquals((double) correct / results.size(), metrics.get("top1").getAsDouble(), 1e-12, folder);
        }
    }

    @Test
    void finetuneRunsOnBothKinds(@TempDir Path tmp) throws IOException {
        Path manifest = FinetuneCommandTest.manifest(tmp.resolve("data"));
        for (String folder : KINDS) {
            Path out = tmp.resolve(folder + "-run");
            PipelineCommandsTest.Run r = PipelineCommandsTest.run("finetune", "--model",
                    Fixtures.dir(folder).toString(), "--train", manifest.toString(), "--out", out.toString(),
                    "--batch-size", "8", "--lr", "1e-3", "--steps", "2", "--warmup", "1", "--no-progress");
            assertEquals(0, r.code(), folder + ": " + r.err() + r.out());
            assertTrue(r.out().contains("done: 2 steps"), r.out());
            PipelineCommandsTest.Run c = PipelineCommandsTest.run("classify", "--model",
                    out.resolve("model").toString(), PipelineCommandsTest.image("shapes_tall.png"), "--labels",
                    "red on the left,a picture");
            assertEquals(0, c.code(), folder + ": " + c.err());
        }
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("finetune", "--model",
                Fixtures.dir("siglip2-tiny-naflex").toString(), "--train", manifest.toString(), "--out",
                tmp.resolve("augment").toString(), "--batch-size", "8", "--steps", "1", "--augment", "--no-progress"),
                "not supported for it yet");
    }
}
