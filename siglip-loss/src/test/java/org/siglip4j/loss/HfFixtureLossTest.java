package org.siglip4j.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * The loss of HF transformers v4.45.1 on the siglip-tiny fixture: the loss batch is images[:8] with
 * texts[:8]; t' and b are read from the fixture's model.safetensors.
 */
class HfFixtureLossTest {

    /** Reads one float32 tensor of one element from a safetensors file (header parsed with Gson). */
    static float safetensorsScalar(Path file, String name) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long headerLen = len.flip().getLong();
            ByteBuffer header = ByteBuffer.allocate(Math.toIntExact(headerLen));
            ch.read(header, 8);
            JsonObject h = JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            JsonObject t = h.getAsJsonObject(name);
            if (t == null || !t.get("dtype").getAsString().equals("F32")) {
                throw new AssertionError(name + " missing or not F32 in " + file + ": " + t);
            }
            long begin = t.getAsJsonArray("data_offsets").get(0).getAsLong();
            ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(v, 8 + headerLen + begin);
            return v.flip().getFloat();
        }
    }

    private static final String[] GRAD_NAMES = {"grad_image_embeds", "grad_text_embeds", "grad.logit_scale",
        "grad.logit_bias"};

    @Test
    void reproducesHfLossAndGradients() throws IOException {
        float t = safetensorsScalar(Fixtures.file("model.safetensors"), "logit_scale");
        float b = safetensorsScalar(Fixtures.file("model.safetensors"), "logit_bias");
        assertEquals(2.302585f, t, 1e-6f);
        assertEquals(-10f, b, 1e-6f);
        Npy.Array img = Fixtures.expected("image_embeds");
        Npy.Array txt = Fixtures.expected("text_embeds");
        int d = (int) img.shape()[1];
        float[] x = img.floats();
        float[] y = Arrays.copyOf(txt.floats(), 8 * d); // texts[:8]
        double expectedLoss = Fixtures.expected("loss").values()[0];
        for (int chunk : new int[] {0, 3}) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray xa = m.create(x, new Shape(8, d));
                NDArray ya = m.create(y, new Shape(8, d));
                NDArray ta = m.create(new float[] {t});
                NDArray ba = m.create(new float[] {b});
                List<NDArray> params = List.of(xa, ya, ta, ba);
                params.forEach(p -> p.setRequiresGradient(true));
                NDArray loss;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    loss = SigmoidLoss.builder().optChunkSize(chunk).build().loss(xa, ya, ta, ba, null);
                    gc.backward(loss);
                }
                assertEquals(expectedLoss, loss.getFloat(), 1e-5 * Math.abs(expectedLoss), "loss, chunk " + chunk);
                for (int i = 0; i < 4; i++) {
                    double[] ref = Fixtures.expected(GRAD_NAMES[i]).values();
                    Reference.assertGrad(ref, Reference.values(params.get(i).getGradient()), 1e-5, 1e-4,
                            GRAD_NAMES[i] + ", chunk " + chunk);
                }
            }
        }
    }

    /** HF sums over logits_per_text = logits_per_image^T; with symmetric labels it is the same sum. */
    @Test
    void textSideFormEqualsImageSideForm() throws IOException {
        float t = safetensorsScalar(Fixtures.file("model.safetensors"), "logit_scale");
        float b = safetensorsScalar(Fixtures.file("model.safetensors"), "logit_bias");
        Npy.Array img = Fixtures.expected("image_embeds");
        int d = (int) img.shape()[1];
        float[] y = Arrays.copyOf(Fixtures.expected("text_embeds").floats(), 8 * d);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray xa = m.create(img.floats(), new Shape(8, d));
            NDArray ya = m.create(y, new Shape(8, d));
            NDArray ta = m.create(new float[] {t});
            NDArray ba = m.create(new float[] {b});
            // our logits (image side) transposed are HF's logits_per_text
            Fixtures.assertClose(Fixtures.expected("loss_logits_per_text").values(),
                    SigmoidLoss.logits(xa, ya, ta, ba).transpose().toFloatArray(), 1e-5, 1e-5, "logits_per_text");
            float imageSide = SigmoidLoss.sigmoidLoss(xa, ya, ta, ba).getFloat();
            float textSide = SigmoidLoss.sigmoidLoss(ya, xa, ta, ba).getFloat();
            assertEquals(imageSide, textSide, 1e-6 * Math.abs(imageSide));
            // and the one-row-of-logits-per-text form of the fixture's own logits
            double[] lpt = Fixtures.expected("loss_logits_per_text").values();
            double sum = 0;
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    sum += Reference.negLogSigmoid((i == j ? 1 : -1) * lpt[i * 8 + j]);
                }
            }
            assertEquals(sum / 8, imageSide, 1e-5 * imageSide);
        }
    }
}
