package org.siglip4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.model.SiglipOutput;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * The Java-written ONNX graphs of the siglip-tiny fixture, run by ONNX Runtime as any of its users
 * would (file in, named tensors out), against HF transformers' outputs (the fixture's expected
 * tensors) and against the PyTorch engine's outputs on the same inputs.
 */
class OnnxExportTest {
    /** ONNX Runtime against the PyTorch engine, both float32 on the same weights. */
    static final double ENGINE_TOL = 1e-5;
    /** Against HF (torch 1.13 when the fixture was made), the tolerance of ModelParityTest. */
    static final double HF_TOL = 1e-4;

    static NDManager manager;
    static SiglipModel model;
    static OrtEnvironment env;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        model = SiglipModel.fromPretrained(Fixtures.dir(), manager);
        env = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static Map<String, float[]> run(Path file, boolean withText, boolean withImages) throws OrtException {
        Npy.Array ids = Fixtures.expected("input_ids");
        Npy.Array px = Fixtures.expected("pixel_values");
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            if (withText) {
                in.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids.longs()), ids.shape()));
            }
            if (withImages) {
                in.put("pixel_values", OnnxTensor.createTensor(env, FloatBuffer.wrap(px.floats()), px.shape()));
            }
            Map<String, float[]> out = new HashMap<>();
            try (OrtSession.Result r = s.run(in)) {
                r.forEach(e -> {
                    FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] a = new float[fb.remaining()];
                    fb.get(a);
                    out.put(e.getKey(), a);
                });
            }
            return out;
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    static void close(String what, NDArray expected, float[] actual) {
        Fixtures.assertClose(toDoubles(expected.toFloatArray()), actual, ENGINE_TOL, ENGINE_TOL, what + " vs PyTorch");
    }

    static void closeToHf(String expectedName, float[] actual) {
        Fixtures.assertClose(Fixtures.expected(expectedName).values(), actual, HF_TOL, HF_TOL, expectedName + " vs HF");
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private SiglipOutput pytorch(NDManager m) {
        Npy.Array ids = Fixtures.expected("input_ids");
        Npy.Array px = Fixtures.expected("pixel_values");
        return model.forward(m.create(ids.longs(), new Shape(ids.shape())), m.create(px.floats(), new Shape(px.shape())));
    }

    @Test
    void towersAndModelMatchPyTorchAndHf(@TempDir Path dir) throws Exception {
        new SiglipOnnxExporter(model, Quantization.FLOAT32).exportTo(dir, false);
        Map<String, float[]> vision = run(dir.resolve(SiglipOnnxExporter.VISION_FILE), false, true);
        Map<String, float[]> text = run(dir.resolve(SiglipOnnxExporter.TEXT_FILE), true, false);
        Map<String, float[]> full = run(dir.resolve(SiglipOnnxExporter.MODEL_FILE), true, true);
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipOutput o = pytorch(m);
            close("vision last_hidden_state", o.visionModelOutput().lastHiddenState(), vision.get("last_hidden_state"));
            close("vision pooler_output", o.visionModelOutput().poolerOutput(), vision.get("pooler_output"));
            close("image_embeds", o.imageEmbeds(), vision.get("image_embeds"));
            close("text last_hidden_state", o.textModelOutput().lastHiddenState(), text.get("last_hidden_state"));
            close("text pooler_output", o.textModelOutput().poolerOutput(), text.get("pooler_output"));
            close("text_embeds", o.textEmbeds(), text.get("text_embeds"));
            close("model logits_per_image", o.logitsPerImage(), full.get("logits_per_image"));
            close("model logits_per_text", o.logitsPerText(), full.get("logits_per_text"));
            close("model image_embeds", o.imageEmbeds(), full.get("image_embeds"));
            close("model text_embeds", o.textEmbeds(), full.get("text_embeds"));
        }
        closeToHf("vision_last_hidden_state", vision.get("last_hidden_state"));
        closeToHf("vision_pooler_output", vision.get("pooler_output"));
        closeToHf("text_pooler_output", text.get("pooler_output"));
        closeToHf("logits_per_image", full.get("logits_per_image"));
        closeToHf("logits_per_text", full.get("logits_per_text"));
    }

    @Test
    void fusedGraphsMatchPyTorch(@TempDir Path dir) throws Exception {
        SiglipOnnxExporter exporter = new SiglipOnnxExporter(model, Quantization.FLOAT32, true);
        exporter.write(exporter.visionGraph(), dir.resolve("vision.onnx"), false);
        exporter.write(exporter.textGraph(), dir.resolve("text.onnx"), false);
        Map<String, float[]> vision = run(dir.resolve("vision.onnx"), false, true);
        Map<String, float[]> text = run(dir.resolve("text.onnx"), true, false);
        try (NDManager m = NDManager.newBaseManager()) {
            SiglipOutput o = pytorch(m);
            close("fused vision last_hidden_state", o.visionModelOutput().lastHiddenState(),
                    vision.get("last_hidden_state"));
            close("fused image_embeds", o.imageEmbeds(), vision.get("image_embeds"));
            close("fused text last_hidden_state", o.textModelOutput().lastHiddenState(), text.get("last_hidden_state"));
            close("fused text_embeds", o.textEmbeds(), text.get("text_embeds"));
        }
    }

    @Test
    void fusedGraphsWriteEachResidualSumWithTheLayerNormAfterIt() {
        int vl = model.config().visionConfig().numHiddenLayers();
        int tl = model.config().textConfig().numHiddenLayers();
        SiglipOnnxExporter fused = new SiglipOnnxExporter(model, Quantization.FLOAT32, true);
        List<String> vision = fused.visionGraph().opTypes();
        List<String> text = fused.textGraph().opTypes();
        // two per layer (the first takes the position table) and the final norm; the MAP head's
        // LayerNorm follows no residual sum and stays a LayerNormalization
        assertEquals(2 * vl + 1, Collections.frequency(vision, "com.microsoft.SkipLayerNormalization"));
        assertEquals(1, Collections.frequency(vision, "LayerNormalization"));
        assertEquals(2 * tl + 1, Collections.frequency(text, "com.microsoft.SkipLayerNormalization"));
        assertEquals(0, Collections.frequency(text, "LayerNormalization"));
        SiglipOnnxExporter plain = new SiglipOnnxExporter(model, Quantization.FLOAT32, false);
        assertFalse(plain.visionGraph().opTypes().stream().anyMatch(op -> op.startsWith("com.microsoft")),
                "the plain graphs use standard operators only");
    }

    @Test
    void externalDataGivesTheSameOutputs(@TempDir Path dir) throws Exception {
        SiglipOnnxExporter exporter = new SiglipOnnxExporter(model, Quantization.FLOAT32);
        Path inline = dir.resolve("inline.onnx");
        Path external = dir.resolve("external.onnx");
        exporter.write(exporter.modelGraph(), inline, false);
        exporter.write(exporter.modelGraph(), external, true);
        assertTrue(Files.size(dir.resolve("external.onnx.data")) > 0.9 * model.parameterCount() * Float.BYTES,
                "the weights are in the data file");
        assertTrue(Files.size(external) < Files.size(inline) / 4, "the graph file holds no large tensor");
        Map<String, float[]> a = run(inline, true, true);
        Map<String, float[]> b = run(external, true, true);
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), b.get(k), k);
        }
    }
}
