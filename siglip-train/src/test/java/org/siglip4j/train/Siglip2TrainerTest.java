package org.siglip4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.data.BatchLoader;

/**
 * One {@link SiglipTrainer} step on a SigLIP 2 NaFlex batch of eight images with mixed aspect
 * ratios ({@code siglip2-tiny-naflex}) against transformers 5.18's {@code Siglip2Model(...,
 * return_loss=True)} on the same batch: the loss, and the global norm of the gradient before
 * clipping against the norm of HF's gradients of every parameter; on one device and split over
 * two (each device gets its own mix of shapes).
 */
class Siglip2TrainerTest {
    static final String FOLDER = "siglip2-tiny-naflex";
    static final List<String> IMAGES = List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png",
            "gray_checker.png", "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png");

    @TempDir
    Path tmp;

    @Test
    void oneStepMatchesHfLossAndGradientNorm() throws IOException {
        Path dir = Fixtures.dir(FOLDER);
        List<String> texts = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(dir.resolve("expected/tokens.json")))
                .getAsJsonObject().getAsJsonArray("texts")) {
            texts.add(e.getAsJsonObject().get("text").getAsString());
        }
        texts = texts.subList(0, 8);
        Siglip2ImageProcessor images = Siglip2ImageProcessor.load(dir);
        List<float[]> packed = new ArrayList<>();
        for (String f : IMAGES) {
            packed.add(images.pack(ImageLoader.load(Fixtures.file("inputs/" + f))));
        }
        double hfNorm = 0;
        try (NDManager m = NDManager.newBaseManager();
                SafetensorsReader grads = SafetensorsReader.open(dir.resolve("expected/grads.safetensors"))) {
            for (String key : grads.tensors().keySet()) {
                for (float v : grads.load(key, m).toFloatArray()) {
                    hfNorm += (double) v * v;
                }
            }
        }
        hfNorm = Math.sqrt(hfNorm);
        float hfLoss = Fixtures.expected(FOLDER, "loss").floats()[0];
        for (int devices : new int[] {1, 2}) {
            TrainerConfig config = TrainerConfig.builder(tmp.resolve("run" + devices)).optBatchSize(8).optSteps(1)
                    .optLearningRate(1e-3).optWarmupSteps(0).optDevices(devices).build();
            try (NDManager root = NDManager.newBaseManager();
                    Siglip2Model model = Siglip2Model.fromPretrained(dir, root);
                    SiglipTokenizer tok = SiglipTokenizer.load(dir);
                    SiglipTrainer trainer = new SiglipTrainer(model, images, tok, dir, config)) {
                SiglipTrainer.StepResult r = trainer.step(new BatchLoader.Batch(0, 0, packed, texts,
                        Collections.nCopies(8, null), List.of()));
                assertEquals(hfLoss, r.loss(), 1e-5 * Math.abs(hfLoss), devices + " device(s): loss");
                assertEquals(hfNorm, r.gradNorm(), 1e-4 * hfNorm, devices + " device(s): gradient norm");
                System.out.printf("NaFlex step on %d device(s): loss %.7f (HF %.7f), |g| %.7f (HF %.7f)%n", devices,
                        r.loss(), hfLoss, r.gradNorm(), hfNorm);
            }
        }
    }
}
