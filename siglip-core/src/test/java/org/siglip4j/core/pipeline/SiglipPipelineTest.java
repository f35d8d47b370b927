package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import com.google.gson.Gson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.hub.HubConfig;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/** Embeddings and logits of the pipeline against the HF fixture outputs. */
class SiglipPipelineTest {
    static SiglipPipeline pipeline;

    @BeforeAll
    static void load() {
        pipeline = SiglipPipeline.builder().setModelDir(Fixtures.dir()).optDevice(Device.cpu()).optBatchSize(5)
                .build();
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    static List<String> texts() throws IOException {
        return Arrays.asList(new Gson().fromJson(Files.readString(Fixtures.file("inputs/texts.json"),
                StandardCharsets.UTF_8), String[].class));
    }

    static float[] flat(float[][] rows) {
        int d = rows[0].length;
        float[] out = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            assertEquals(d, rows[i].length);
            System.arraycopy(rows[i], 0, out, i * d, d);
        }
        return out;
    }

    /** Compares row by row with an expected [n, d] tensor. */
    static void assertRowsClose(String name, float[][] got, double atol, double rtol) {
        Npy.Array e = Fixtures.expected(name);
        int n = (int) e.shape()[0];
        int d = (int) (e.values().length / n);
        assertEquals(n, got.length, name + " rows");
        for (int i = 0; i < n; i++) {
            Fixtures.assertClose(Arrays.copyOfRange(e.values(), i * d, (i + 1) * d), got[i], atol, rtol,
                    name + " row " + i);
        }
    }

    @Test
    void textEmbeddingsMatchHf() throws IOException {
        float[][] t = pipeline.embedTexts(texts());
        assertRowsClose("text_embeds", t, 1e-5, 0);
        assertRowsClose("text_pooler_output", pipeline.embedTexts(texts(), false), 1e-4, 1e-4);
    }

    @Test
    void imageEmbeddingsAndLogitsMatchHf() throws IOException {
        List<Path> files = ZeroShotImageClassifierTest.fixtureImages();
        SimilarityMatrix s = pipeline.similarity(files, texts());
        assertRowsClose("image_embeds", s.imageEmbeds(), 1e-5, 0);
        assertRowsClose("logits_per_image", s.logitsPerImage(), 1e-4, 1e-4);
        assertRowsClose("sigmoid_probs_per_image", toFloat(s.probabilities()), 1e-6, 1e-4);
        assertRowsClose("vision_pooler_output", pipeline.embedImages(files, false, ProgressListener.NONE),
                1e-4, 1e-4);
        assertEquals(s.logitsPerImage()[2][5], s.logitsPerText()[5][2]);
    }

    static float[][] toFloat(double[][] a) {
        float[][] out = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new float[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = (float) a[i][j];
            }
        }
        return out;
    }

    @Test
    void logitScaleAndBiasComeFromTheCheckpoint() {
        assertEquals(Math.log(10), pipeline.logitScale(), 1e-6);
        assertEquals(-10f, pipeline.logitBias());
        float[][] a = {{1, 0}};
        float[][] b = {{1, 0}, {0, 1}};
        float[][] l = pipeline.logits(a, b);
        assertEquals(0, l[0][0], 1e-5);
        assertEquals(-10, l[0][1], 1e-6);
        assertThrows(SiglipException.class, () -> pipeline.logits(a, new float[][] {{1, 0, 0}}));
    }

    @Test
    void emptyInputsGiveEmptyResults() {
        assertEquals(0, pipeline.embedTexts(List.of()).length);
        assertEquals(0, pipeline.embedImages(List.of()).length);
    }

    @Test
    void modelResolutionErrors(@TempDir Path tmp) throws IOException {
        ZeroShotImageClassifierTest.assertMessage("model folder ./no/such-model does not exist",
                () -> SiglipPipelines.resolveModel("./no/such-model"));
        // a hub id, offline with an empty cache: no request is made
        HubConfig offline = HubConfig.of(tmp).withOffline(true);
        ZeroShotImageClassifierTest.assertMessage("offline mode is on",
                () -> SiglipPipelines.resolveModel("google/no-such-model", null, offline, null));
        ZeroShotImageClassifierTest.assertMessage("has no config.json",
                () -> SiglipPipelines.resolveModel(tmp.toString()));
        Path file = Files.writeString(tmp.resolve("f"), "x");
        ZeroShotImageClassifierTest.assertMessage("is a file", () -> SiglipPipelines.resolveModel(file.toString()));
        assertEquals(Fixtures.dir(), SiglipPipelines.resolveModel(Fixtures.dir().toString()));
        ZeroShotImageClassifierTest.assertMessage("batch size must be at least 1",
                () -> SiglipPipeline.builder().setModelDir(Fixtures.dir()).optBatchSize(0).build());
    }

    @Test
    void deviceNames() {
        assertEquals(Device.cpu(), SiglipPipelines.device("cpu"));
        ZeroShotImageClassifierTest.assertMessage("unknown device 'tpu'", () -> SiglipPipelines.device("tpu"));
        if (ai.djl.engine.Engine.getInstance().getGpuCount() == 0) {
            ZeroShotImageClassifierTest.assertMessage("a GPU was asked for", () -> SiglipPipelines.device("gpu"));
            assertEquals(Device.cpu(), SiglipPipelines.device(null));
        } else {
            assertEquals(Device.gpu(), SiglipPipelines.device(null));
        }
    }
}
