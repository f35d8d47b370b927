package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.train.metrics.MetricsLog;

/** {@code siglip finetune} in-process on the siglip-tiny fixture. */
class FinetuneCommandTest {
    static final String[] COLOURS = {"red", "green", "blue", "yellow"};
    static final int[] RGB = {0xE01414, 0x14C828, 0x1E28E6, 0xF0E61E};

    /**
     * 8 fixture images plus 8 synthetic ones (a colour in the left or right half) with captions,
     * and one record whose image is missing.
     */
    static Path manifest(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (String name : PipelineCommandsTest.IMAGES) {
            Files.copy(Fixtures.file("inputs/" + name), dir.resolve(name));
            String caption = "a picture called " + name.substring(0, name.indexOf('.')).replace('_', ' ');
            lines.add("{\"image\": \"" + name + "\", \"text\": \"" + caption + "\"}");
        }
        for (int i = 0; i < 8; i++) {
            String side = i < 4 ? "left" : "right";
            Path f = dir.resolve("colour" + i + ".png");
            ImageIO.write(half(RGB[i % 4], i < 4), "png", f.toFile());
            lines.add("{\"image\": \"" + f.getFileName() + "\", \"captions\": [\"" + COLOURS[i % 4] + " on the " + side
                    + "\", \"a " + COLOURS[i % 4] + " " + side + " half\"]}");
        }
        lines.add("{\"image\": \"missing.png\", \"text\": \"never loaded\"}");
        Path m = dir.resolve("train.jsonl");
        Files.write(m, lines, StandardCharsets.UTF_8);
        return m;
    }

    static BufferedImage half(int rgb, boolean left) {
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 48; x++) {
                img.setRGB(x, y, (x < 24) == left ? rgb : 0x101010);
            }
        }
        return img;
    }

    private static List<Map<String, Object>> steps(Path out) {
        return MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(r -> r.containsKey("step")).toList();
    }

    @Test
    void finetunesSavesALoadableModelAndResumes(@TempDir Path tmp) throws IOException {
        Path manifest = manifest(tmp.resolve("data"));
        Path out = tmp.resolve("run");
        String[] common = {"finetune", "--model", PipelineCommandsTest.model(), "--train", manifest.toString(),
            "--val", manifest.toString(), "--out", out.toString(), "--batch-size", "8", "--lr", "1e-3",
            "--warmup", "1", "--checkpoint-every", "2", "--workers", "2", "--augment", "--devices", "2",
            "--no-progress"};
        PipelineCommandsTest.Run r = PipelineCommandsTest.run(concat(common, "--steps", "4", "--seed", "3"));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("16 training pairs (1 skipped while reading)"), r.out());
        assertTrue(r.out().contains("done: 4 steps, final loss"), r.out());
        assertTrue(r.out().contains("skipped records: 1"), r.out());
        assertTrue(r.out().contains("model:       " + out.resolve("model")), r.out());
        for (String f : List.of("model/model.safetensors", "model/config.json", "model/tokenizer.json",
                "model/preprocessor_config.json", "loss.png", "metrics.jsonl", "checkpoints/step-0000004")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        List<Map<String, Object>> log = steps(out);
        assertEquals(4, log.size());
        assertTrue(log.get(1).containsKey("eval_accuracy") && log.get(3).containsKey("eval_accuracy"), log.toString());
        double acc = (Double) log.get(3).get("eval_accuracy");
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel m = SiglipModel.fromPretrained(out.resolve("model"), root)) {
            assertEquals(32, m.config().visionConfig().imageSize());
        }
        PipelineCommandsTest.Run c = PipelineCommandsTest.run("classify", "--model", out.resolve("model").toString(),
                PipelineCommandsTest.image("gradient_wide.png"), "--labels", "red on the left,a picture");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("red on the left"), c.out());

        // The same output folder without --resume is refused; with it, the run continues at step 5.
        PipelineCommandsTest.Run again = PipelineCommandsTest.run(concat(common, "--steps", "6", "--seed", "3"));
        PipelineCommandsTest.assertOneLineError(again, "pass --resume");
        PipelineCommandsTest.Run resumed = PipelineCommandsTest.run(
                concat(common, "--steps", "6", "--resume", "--seed", "3"));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("(step 4)"), resumed.out());
        assertTrue(resumed.out().contains("done: 6 steps"), resumed.out());
        log = steps(out);
        assertEquals(6, log.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, ((Number) log.get(i).get("step")).intValue());
        }
        PipelineCommandsTest.Run otherSeed = PipelineCommandsTest.run(
                concat(common, "--steps", "8", "--resume", "--seed", "4"));
        PipelineCommandsTest.assertOneLineError(otherSeed, "--seed 3");
    }

    /**
     * {@code --grad-checkpointing} reaches the trainer and changes nothing but memory: the same
     * losses step by step (step 2's loss follows from step 1's update).
     */
    @Test
    void gradCheckpointingGivesTheSameLosses(@TempDir Path tmp) throws IOException {
        Path manifest = manifest(tmp.resolve("data"));
        List<List<Map<String, Object>>> runs = new java.util.ArrayList<>();
        for (String flag : List.of("--seed", "--grad-checkpointing")) {
            Path out = tmp.resolve("run" + runs.size());
            String[] args = {"finetune", "--model", PipelineCommandsTest.model(), "--train", manifest.toString(),
                "--out", out.toString(), "--batch-size", "8", "--lr", "1e-3", "--warmup", "1", "--workers", "2",
                "--no-progress", "--steps", "3", "--seed", "3"};
            PipelineCommandsTest.Run r = PipelineCommandsTest.run(flag.equals("--seed") ? args : concat(args, flag));
            assertEquals(0, r.code(), r.err() + r.out());
            runs.add(steps(out));
        }
        for (int i = 0; i < 3; i++) {
            double plain = ((Number) runs.get(0).get(i).get("loss")).doubleValue();
            double ckpt = ((Number) runs.get(1).get(i).get("loss")).doubleValue();
            assertEquals(plain, ckpt, 1e-5 * Math.abs(plain), "loss of step " + (i + 1));
        }
    }

    @Test
    void trainsAClassifierHeadOnAnImageFolder(@TempDir Path tmp) throws IOException {
        Path folder = tmp.resolve("classes");
        String[] labels = {"cat", "dog", "gradient", "noise", "stripes"};
        for (int c = 0; c < labels.length; c++) {
            Files.createDirectories(folder.resolve(labels[c]));
            for (int i = 0; i < 3; i++) {
                ImageIO.write(half(RGB[c % 4] + i * 0x030303, c % 2 == 0), "png",
                        folder.resolve(labels[c]).resolve(i + ".png").toFile());
            }
        }
        Path out = tmp.resolve("cls");
        PipelineCommandsTest.Run r = PipelineCommandsTest.run("finetune", "--classification", "--model",
                Fixtures.file("classification").toString(), "--train", folder.toString(), "--val", folder.toString(),
                "--out", out.toString(), "--epochs", "2", "--batch-size", "5", "--lr", "1e-3", "--lock-image",
                "--unlock-last", "1", "--no-progress");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("done: 6 steps"), r.out());
        try (NDManager root = NDManager.newBaseManager();
             SiglipForImageClassification m = SiglipForImageClassification.fromPretrained(out.resolve("model"), root)) {
            assertEquals(5, m.config().numLabels());
        }
        assertTrue(steps(out).get(5).containsKey("eval_accuracy"));
    }

    @Test
    void mistakesGiveOneLineErrors(@TempDir Path tmp) throws IOException {
        Path manifest = manifest(tmp.resolve("data"));
        String model = PipelineCommandsTest.model();
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("finetune", "--model", model, "--train",
                tmp.resolve("nope.jsonl").toString(), "--out", tmp.resolve("o").toString(), "--steps", "1"),
                "training data not found");
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("finetune", "--model", model, "--train",
                manifest.toString(), "--out", tmp.resolve("o").toString(), "--steps", "1", "--batch-size", "64"),
                "has 16 usable pairs, fewer than --batch-size 64");
        Path wrong = tmp.resolve("wrong.jsonl");
        Files.writeString(wrong, "{\"image\": \"nowhere/a.png\", \"text\": \"a cat\"}\n"
                + "{\"image\": \"nowhere/b.png\", \"text\": \"a dog\"}\n");
        PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("finetune", "--model", model, "--train",
                wrong.toString(), "--out", tmp.resolve("o").toString(), "--steps", "1", "--batch-size", "2"),
                "has 0 usable pairs, fewer than --batch-size 2: 2 image files were not found, e.g. "
                        + tmp.resolve("nowhere/a.png").toAbsolutePath());
        PipelineCommandsTest.Run usage = PipelineCommandsTest.run("finetune", "--model", model, "--train",
                manifest.toString(), "--out", tmp.resolve("o").toString(), "--steps", "1", "--epochs", "1");
        assertEquals(2, usage.code(), usage.err());
        PipelineCommandsTest.Run unlock = PipelineCommandsTest.run("finetune", "--model", model, "--train",
                manifest.toString(), "--out", tmp.resolve("o").toString(), "--steps", "1", "--unlock-last", "1");
        assertEquals(2, unlock.code(), unlock.err());
        assertTrue(unlock.err().contains("--lock-image"), unlock.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
