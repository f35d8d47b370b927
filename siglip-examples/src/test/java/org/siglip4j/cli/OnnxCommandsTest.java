package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.siglip4j.cli.PipelineCommandsTest.assertOneLineError;
import static org.siglip4j.cli.PipelineCommandsTest.assertTensor;
import static org.siglip4j.cli.PipelineCommandsTest.image;
import static org.siglip4j.cli.PipelineCommandsTest.model;
import static org.siglip4j.cli.PipelineCommandsTest.run;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.cli.PipelineCommandsTest.Run;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.testing.Fixtures;

/** {@code --engine onnxruntime} on classify and embed, and {@code export-onnx}. */
class OnnxCommandsTest {
    static final String LABELS = "t-shirt,trouser,pullover,dress,coat,sandal,shirt,sneaker,bag,ankle boot";

    static JsonArray classifyDefaultModel(String... extra) {
        List<String> args = new ArrayList<>(List.of("classify", "samples/fashion-mnist-sneaker-0.png",
                "samples/mnist-seven-0.png", "--labels", LABELS, "--template", "a photo of a {}.", "--json"));
        args.addAll(List.of(extra));
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return JsonParser.parseString(r.out()).getAsJsonArray();
    }

    @Test
    void classifyOnOnnxRuntimeEqualsPyTorchOnTheDefaultModel(@TempDir Path cache) {
        JsonArray torch = classifyDefaultModel();
        JsonArray ort = classifyDefaultModel("--engine", "onnxruntime", "--onnx-cache", cache.toString());
        assertEquals("sneaker", ort.get(0).getAsJsonObject().getAsJsonArray("results").get(0).getAsJsonObject()
                .get("label").getAsString());
        for (int i = 0; i < torch.size(); i++) {
            JsonArray a = torch.get(i).getAsJsonObject().getAsJsonArray("results");
            JsonArray b = ort.get(i).getAsJsonObject().getAsJsonArray("results");
            for (int k = 0; k < a.size(); k++) {
                assertEquals(a.get(k).getAsJsonObject().get("label"), b.get(k).getAsJsonObject().get("label"));
                double s = a.get(k).getAsJsonObject().get("score").getAsDouble();
                assertEquals(s, b.get(k).getAsJsonObject().get("score").getAsDouble(), 1e-5 * Math.max(s, 1e-2),
                        "image " + i + " rank " + k);
            }
        }
        JsonArray int8 = classifyDefaultModel("--engine", "onnxruntime", "--quantize", "int8", "--onnx-cache",
                cache.toString());
        assertEquals("sneaker", int8.get(0).getAsJsonObject().getAsJsonArray("results").get(0).getAsJsonObject()
                .get("label").getAsString());
    }

    @Test
    void embedOnOnnxRuntimeReproducesHf(@TempDir Path tmp) {
        List<String> args = new ArrayList<>(List.of("embed", "--model", model(), "--engine", "onnxruntime",
                "--onnx-cache", tmp.resolve("cache").toString(), "--texts-file",
                Fixtures.file("inputs/texts.json").toString(), "--out", tmp.resolve("e.safetensors").toString()));
        for (String n : PipelineCommandsTest.IMAGES) {
            args.add("--image");
            args.add(image(n));
        }
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        try (SafetensorsReader reader = SafetensorsReader.open(tmp.resolve("e.safetensors"))) {
            assertTensor(reader, "image_embeds", 1e-5, 0);
            assertTensor(reader, "text_embeds", 1e-5, 0);
            assertTensor(reader, "logits_per_image", 1e-4, 1e-4);
        }
    }

    @Test
    void exportOnnxWritesTheThreeGraphs(@TempDir Path tmp) throws IOException {
        Run f32 = run("export-onnx", "--model", model(), "--out", tmp.resolve("f32").toString());
        assertEquals(0, f32.code(), f32.err());
        Run int4 = run("export-onnx", "--model", model(), "--out", tmp.resolve("int4").toString(), "--quantize", "int4",
                "--external-data");
        assertEquals(0, int4.code(), int4.err());
        for (String f : List.of("vision_model.onnx", "text_model.onnx", "model.onnx")) {
            assertTrue(f32.out().contains(tmp.resolve("f32").resolve(f).toString()), f32.out());
            assertTrue(Files.size(tmp.resolve("int4").resolve(f + ".data")) < Files.size(tmp.resolve("f32").resolve(f)),
                    f + ": int4 weights are smaller than float32 ones");
        }
    }

    @Test
    void badEngineInputIsOneErrorLine(@TempDir Path tmp) {
        assertOneLineError(run("export-onnx", "--model", Fixtures.file("classification").toString(), "--out",
                tmp.toString()), "only SiglipModel checkpoints can be exported yet; run it with --engine pytorch");
        assertOneLineError(run("classify", "-m", model(), image("gradient_wide.png"), "-l", "a", "--engine", "tf"),
                "unknown engine 'tf': expected pytorch or onnxruntime");
        assertOneLineError(run("classify", "-m", model(), image("gradient_wide.png"), "-l", "a", "--quantize", "int8"),
                "quantization int8 needs --engine onnxruntime");
        assertOneLineError(run("export-onnx", "-m", model(), "--out", tmp.toString(), "--quantize", "int3"),
                "unknown quantization 'int3'");
    }
}
