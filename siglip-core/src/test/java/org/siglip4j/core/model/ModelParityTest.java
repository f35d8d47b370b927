package org.siglip4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** Parity with HF transformers v4.45.1 outputs of the siglip-tiny fixture (README tolerances). */
class ModelParityTest {
    static final double TOL = 1e-4;
    static NDManager manager;
    static SiglipModel model;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        model = SiglipModel.fromPretrained(Fixtures.dir(), manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    static NDArray floats(NDManager m, String name) {
        Npy.Array a = Fixtures.expected(name);
        return m.create(a.floats(), new Shape(a.shape()));
    }

    static NDArray longs(NDManager m, String name) {
        Npy.Array a = Fixtures.expected(name);
        return m.create(a.longs(), new Shape(a.shape()));
    }

    static void close(String name, NDArray actual, double atol, double rtol) {
        Npy.Array e = Fixtures.expected(name);
        assertEquals(new Shape(e.shape()), actual.getShape(), name + " shape");
        Fixtures.assertClose(e.values(), actual.toFloatArray(), atol, rtol, name);
    }

    @Test
    void fullForwardMatchesHf() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = longs(m, "input_ids");
            NDArray px = floats(m, "pixel_values");
            SiglipOutput o = model.forward(ids, px);
            close("vision_last_hidden_state", o.visionModelOutput().lastHiddenState(), TOL, TOL);
            close("vision_pooler_output", o.visionModelOutput().poolerOutput(), TOL, TOL);
            close("text_last_hidden_state", o.textModelOutput().lastHiddenState(), TOL, TOL);
            close("text_pooler_output", o.textModelOutput().poolerOutput(), TOL, TOL);
            close("image_embeds", o.imageEmbeds(), 1e-5, 0);
            close("text_embeds", o.textEmbeds(), 1e-5, 0);
            close("logits_per_image", o.logitsPerImage(), TOL, TOL);
            close("logits_per_text", o.logitsPerText(), TOL, TOL);
        }
    }

    @Test
    void featureApiMatchesHf() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = longs(m, "input_ids");
            NDArray px = floats(m, "pixel_values");
            close("vision_pooler_output", model.getImageFeatures(px), TOL, TOL);
            close("text_pooler_output", model.getTextFeatures(ids), TOL, TOL);
            close("image_embeds", model.imageEmbeds(px), 1e-5, 0);
            close("text_embeds", model.textEmbeds(ids), 1e-5, 0);
        }
    }

    /** A one-byte budget forces one row per chunk: the chunked path must give HF's outputs too. */
    @Test
    void rowChunkedInferenceMatchesHf() {
        withCompute(ComputePolicy.DEFAULT.withChunkBytes(1), ModelParityTest::checkBatchInference);
    }

    /** A one-byte score budget computes attention one head at a time: HF's outputs, masked or not, as well. */
    @Test
    void headGroupedAttentionMatchesHf() {
        withCompute(ComputePolicy.DEFAULT.withAttentionScoreBytes(1), ModelParityTest::checkBatchInference);
    }

    /** Runs {@code body} with the shared model on {@code compute}, then gives it its policy back. */
    private static void withCompute(ComputePolicy compute, Runnable body) {
        ComputePolicy old = model.compute();
        model.setCompute(compute);
        try {
            body.run();
        } finally {
            model.setCompute(old);
        }
    }

    private static void checkBatchInference() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = longs(m, "input_ids");
            NDArray px = floats(m, "pixel_values");
            NDArray mask = longs(m, "attention_mask");
            assertTrue(px.getShape().get(0) > 1 && ids.getShape().get(0) > 1, "needs several rows to chunk");
            int inputBefore = m.getManagedArrays().size();
            int modelBefore = model.manager().getManagedArrays().size();
            close("vision_pooler_output", model.getImageFeatures(px), TOL, TOL);
            close("text_pooler_output", model.getTextFeatures(ids), TOL, TOL);
            close("image_embeds", model.imageEmbeds(px), 1e-5, 0);
            close("text_embeds", model.textEmbeds(ids), 1e-5, 0);
            close("text_pooler_output_masked", model.getTextFeatures(ids, mask), TOL, TOL);
            // the intermediates (of every chunk or head group) are gone: only the five results were added
            assertEquals(inputBefore + 5, m.getManagedArrays().size());
            assertEquals(modelBefore, model.manager().getManagedArrays().size());
        }
    }

    @Test
    void attentionMaskMatchesHf() {
        try (NDManager m = NDManager.newBaseManager()) {
            BaseModelOutput o = model.textOutput(longs(m, "input_ids"), longs(m, "attention_mask"));
            close("text_last_hidden_state_masked", o.lastHiddenState(), TOL, TOL);
            close("text_pooler_output_masked", o.poolerOutput(), TOL, TOL);
        }
    }

    @Test
    void interpolatedPositionEncodingMatchesHf() {
        try (NDManager m = NDManager.newBaseManager()) {
            BaseModelOutput o = model.visionOutput(floats(m, "interp_pixel_values"), true);
            close("interp_vision_last_hidden_state", o.lastHiddenState(), TOL, TOL);
            close("interp_vision_pooler_output", o.poolerOutput(), TOL, TOL);
        }
    }

    @Test
    void classificationMatchesHf() {
        try (NDManager m = NDManager.newBaseManager();
                SiglipForImageClassification clf =
                        SiglipForImageClassification.fromPretrained(Fixtures.file("classification"), m)) {
            assertEquals(5, clf.id2label().size());
            assertEquals("dog", clf.id2label().get(1));
            assertEquals(35637, clf.parameterCount());
            assertEquals(35637, clf.config().classificationParameterCount());
            assertTrue(clf.lastLoadReport().isClean());
            NDArray logits = clf.logits(floats(m, "pixel_values"));
            close("classification_logits", logits, TOL, TOL);
        }
    }

    /** One image per chunk, in inference and under a training parameter store: HF's logits both ways. */
    @Test
    void chunkedClassificationMatchesHf() {
        checkChunkedClassification(ComputePolicy.DEFAULT.withChunkBytes(1));
    }

    private static void checkChunkedClassification(ComputePolicy compute) {
        try (NDManager m = NDManager.newBaseManager();
                SiglipForImageClassification clf =
                        SiglipForImageClassification.fromPretrained(Fixtures.file("classification"), m)) {
            clf.setCompute(compute);
            NDArray px = floats(m, "pixel_values");
            assertTrue(px.getShape().get(0) > 1, "needs several images to chunk");
            close("classification_logits", clf.logits(px), TOL, TOL);
            try (GradMode off = GradMode.disabled()) {
                close("classification_logits", clf.logits(new ParameterStore(m, false), px, false), TOL, TOL);
            }
        }
    }

    @Test
    void inferenceLeavesNothingInModelManagerAndResultsBelongToInput() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = longs(m, "input_ids");
            NDArray px = floats(m, "pixel_values");
            int before = model.manager().getManagedArrays().size();
            int inputBefore = m.getManagedArrays().size();
            SiglipOutput o = model.forward(ids, px);
            assertEquals(before, model.manager().getManagedArrays().size(), "arrays left in the model's manager");
            assertSame(m, o.logitsPerText().getManager());
            assertSame(m, ids.getManager());
            // only the 8 result arrays were added to the caller's manager
            assertEquals(inputBefore + 8, m.getManagedArrays().size());
        }
    }

    @Test
    void inferenceOnAFreshThreadRecordsNoGraph() throws Exception {
        AtomicReference<Boolean> requiresGrad = new AtomicReference<>();
        AtomicReference<Boolean> gradModeAfter = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray f = model.getImageFeatures(floats(m, "pixel_values"));
                requiresGrad.set(JniUtils.requiresGrad((PtNDArray) f));
                gradModeAfter.set(JniUtils.isGradMode());
            }
        });
        t.start();
        t.join();
        assertFalse(requiresGrad.get(), "inference output carries an autograd graph");
        assertTrue(gradModeAfter.get(), "the thread's grad mode was not restored");
    }
}
