package org.siglip4j.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * SigLIP 2 NaFlex ({@code siglip2-tiny-naflex}: a tiny {@code Siglip2Model} made by transformers
 * 5.18, patch 4, a 4 x 4 position table, {@code max_num_patches} 24) against HF's own outputs for
 * eight images of mixed aspect ratios in one batch: processor arrays, hidden states, embeddings,
 * logits and the gradient of every parameter for HF's sigmoid loss.
 */
class Siglip2NaFlexTest {
    static final String FOLDER = "siglip2-tiny-naflex";
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png");

    static List<Path> images() {
        List<Path> out = new ArrayList<>();
        for (String f : IMAGES) {
            out.add(Fixtures.file("inputs/" + f));
        }
        return out;
    }

    static Npy.Array expected(String name) {
        return Fixtures.expected(FOLDER, name);
    }

    static NDArray array(NDManager m, String name) {
        Npy.Array a = expected(name);
        return a.descr().contains("f") ? m.create(a.floats(), new Shape(a.shape()))
                : m.create(a.longs(), new Shape(a.shape()));
    }

    @Test
    void processorMatchesHfAtBothPatchBudgets() {
        Siglip2ImageProcessor processor = Siglip2ImageProcessor.load(Fixtures.dir(FOLDER));
        assertEquals(24, processor.maxNumPatches());
        for (int max : new int[] {24, 9}) {
            String sfx = max == 24 ? "" : "_max" + max;
            Siglip2ImageProcessor.Batch b = processor.withMaxNumPatches(max).processFiles(images());
            assertArrayEquals(expected("spatial_shapes" + sfx).longs(), b.spatialShapes(), "spatial_shapes" + sfx);
            assertArrayEquals(expected("pixel_attention_mask" + sfx).longs(), b.pixelAttentionMask(), "mask" + sfx);
            Fixtures.assertClose(expected("pixel_values" + sfx).values(), b.pixelValues(), 1e-6, 0,
                    "pixel_values" + sfx);
        }
    }

    @Test
    void modelMatchesHfOnAMixedAspectRatioBatch() {
        try (NDManager m = NDManager.newBaseManager();
                Siglip2Model model = Siglip2Model.fromPretrained(Fixtures.dir(FOLDER), m)) {
            NDArray px = array(m, "pixel_values");
            NDArray mask = array(m, "pixel_attention_mask");
            NDArray shapes = array(m, "spatial_shapes");
            BaseModelOutput vision = model.visionOutput(px, mask, shapes);
            Fixtures.assertClose(expected("vision_last_hidden_state").values(),
                    vision.lastHiddenState().toFloatArray(), 1e-5, 0, "vision last_hidden_state (padding rows too)");
            Fixtures.assertClose(expected("vision_pooler_output").values(), vision.poolerOutput().toFloatArray(),
                    1e-5, 0, "vision pooler_output");
            NDArray ids = array(m, "input_ids").get("0:8");
            SiglipOutput out = model.forward(ids, px, mask, shapes);
            Fixtures.assertClose(expected("image_embeds").values(), out.imageEmbeds().toFloatArray(), 1e-5, 0,
                    "image_embeds");
            Fixtures.assertClose(expected("text_embeds").values(), out.textEmbeds().toFloatArray(), 1e-5, 0,
                    "text_embeds");
            Fixtures.assertClose(expected("logits_per_image").values(), out.logitsPerImage().toFloatArray(), 1e-4,
                    0, "logits_per_image");
            NDList small = Siglip2ImageProcessor.load(Fixtures.dir(FOLDER)).withMaxNumPatches(9)
                    .processFiles(images()).toNDList(m);
            Fixtures.assertClose(expected("image_embeds_max9").values(),
                    model.imageEmbeds(small.get(0), small.get(1), small.get(2)).toFloatArray(), 1e-5, 0,
                    "image_embeds at max_num_patches=9");
        }
    }

    @Test
    void sigmoidLossGradientsMatchHf() {
        try (NDManager m = NDManager.newBaseManager();
                Siglip2Model model = Siglip2Model.fromPretrained(Fixtures.dir(FOLDER), m);
                SafetensorsReader grads = SafetensorsReader.open(
                        Fixtures.dir(FOLDER).resolve("expected/grads.safetensors"))) {
            NDArray ids = array(m, "input_ids").get("0:8");
            NDList inputs = new NDList(ids, array(m, "pixel_values"), array(m, "pixel_attention_mask"),
                    array(m, "spatial_shapes"));
            int n = 8;
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logitsPerText = model.forward(new ParameterStore(m, false), inputs, true).get(1);
                NDArray z = m.eye(n).mul(2).sub(1);
                NDArray l = Activation.softPlus(logitsPerText.mul(z).neg()).sum().div(n);
                loss = l.getFloat();
                gc.backward(l);
            }
            float want = expected("loss").floats()[0];
            assertEquals(want, loss, 1e-5 * Math.abs(want), "loss");
            Map<String, Parameter> params = model.namedParameters();
            assertEquals(params.keySet(), grads.tensors().keySet(), "gradient names = parameter names");
            double globalMax = 0;
            for (String key : grads.tensors().keySet()) {
                for (float v : grads.load(key, m).toFloatArray()) {
                    globalMax = Math.max(globalMax, Math.abs(v));
                }
            }
            for (String key : grads.tensors().keySet()) {
                NDArray g = params.get(key).getArray().getGradient();
                assertNotNull(g, key);
                double[] ref = GradientTest.toDouble(grads.load(key, m).toFloatArray());
                double max = 0;
                for (double r : ref) {
                    max = Math.max(max, Math.abs(r));
                }
                // k_proj biases have an analytically zero gradient (softmax ignores a per-row shift)
                double atol = key.endsWith("k_proj.bias") ? 1e-6 * globalMax : 1e-5 * max;
                Fixtures.assertClose(ref, g.toFloatArray(), atol, 1e-4, "grad " + key);
            }
        }
    }

    /** A 1x1 image (scaled up to a 4 x 4 grid, like HF) and a 97x3 strip (one row of 24 patches). */
    @Test
    void extremeShapesMatchHf() {
        Path dir = Fixtures.dir(FOLDER);
        Siglip2ImageProcessor.Batch b = Siglip2ImageProcessor.load(dir)
                .processFiles(List.of(dir.resolve("inputs/one_pixel.png"), dir.resolve("inputs/thin_strip.png")));
        assertArrayEquals(expected("spatial_shapes_extreme").longs(), b.spatialShapes());
        assertArrayEquals(expected("pixel_attention_mask_extreme").longs(), b.pixelAttentionMask());
        Fixtures.assertClose(expected("pixel_values_extreme").values(), b.pixelValues(), 1e-6, 0, "pixel_values");
        try (NDManager m = NDManager.newBaseManager(); Siglip2Model model = Siglip2Model.fromPretrained(dir, m)) {
            NDList in = b.toNDList(m);
            Fixtures.assertClose(expected("image_features_extreme").values(),
                    model.getImageFeatures(in.get(0), in.get(1), in.get(2)).toFloatArray(), 1e-5, 0,
                    "get_image_features");
        }
    }

    @Test
    void badInputsSayWhatIsWrong() {
        Siglip2ImageProcessor p = Siglip2ImageProcessor.load(Fixtures.dir(FOLDER));
        SiglipException e = assertThrows(SiglipException.class, () -> p.withMaxNumPatches(0));
        assertTrue(e.getMessage().contains("max_num_patches must be at least 1"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> p.withMaxNumPatches(50_000_000)
                .processFiles(images().subList(0, 2)));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager();
                Siglip2Model model = Siglip2Model.fromPretrained(Fixtures.dir(FOLDER), m)) {
            NDArray px = array(m, "pixel_values");
            NDArray mask = array(m, "pixel_attention_mask");
            NDArray tooMany = m.create(new long[] {5, 5}, new Shape(1, 2)).repeat(0, 8);
            e = assertThrows(SiglipException.class, () -> model.imageEmbeds(px, mask, tooMany));
            assertTrue(e.getMessage().contains("at most 24 patches"), e.getMessage());
        }
    }
}
