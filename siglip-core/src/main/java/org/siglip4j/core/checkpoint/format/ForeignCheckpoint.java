package org.siglip4j.core.checkpoint.format;

import ai.djl.Device;
import org.siglip4j.core.io.BoundedJson;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;

/**
 * A checkpoint of another layout read as a Hugging Face SigLIP: the HF config it amounts to, the
 * plan that makes every HF tensor from its own, its preprocessing and its tokenizer files.
 *
 * @param layout the layout's name, for messages ({@code open_clip}, {@code timm}, {@code big_vision})
 * @param source the folder or file read
 * @param config the equivalent HF config
 * @param architecture the HF class the folder is for ({@code SiglipModel}, {@code SiglipVisionModel},
 *     {@code SiglipForImageClassification})
 * @param plan HF tensor name to the source tensors it is made of
 * @param weights opens the source tensors
 * @param preprocessing the image preprocessing the layout's config asks for
 * @param tokenizerDir folder holding the tokenizer files ({@code spiece.model} and/or
 *     {@code tokenizer.json}, {@code tokenizer_config.json}, {@code special_tokens_map.json}), or null
 *     for an image-only model
 * @param maxLength the text length the model was trained with (written as {@code model_max_length}),
 *     or null to keep the tokenizer's
 */
public record ForeignCheckpoint(String layout, Path source, SiglipConfig config, String architecture, TensorPlan plan,
        Supplier<TensorSource> weights, SiglipImageProcessorConfig preprocessing, Path tokenizerDir,
        Integer maxLength) {

    /** Tokenizer files copied into the HF folder when present. */
    static final List<String> TOKENIZER_FILES = List.of("spiece.model", "tokenizer.json", "special_tokens_map.json");

    /** Checks the source's tensor names against the plan (see {@link TensorPlan#check}). */
    public void check() {
        try (TensorSource src = weights.get()) {
            plan.check(src.names(), src.source().toString(), layout + " layout for this config");
        }
    }

    /**
     * Writes the HF folder: {@code config.json}, {@code model.safetensors} (float32, HF names),
     * {@code preprocessor_config.json} and the tokenizer files.
     *
     * @param dir destination (created)
     */
    public void writeHuggingFace(Path dir) {
        try {
            Files.createDirectories(dir);
            try (TensorSource src = weights.get(); NDManager m = NDManager.newBaseManager(Device.cpu())) {
                plan.check(src.names(), src.source().toString(), layout + " layout for this config");
                Map<String, NDArray> arrays = plan.apply(src, m);
                SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE), arrays);
            }
            config.withArchitectures(List.of(architecture)).withTorchDtype("float32").save(dir.resolve("config.json"));
            if (preprocessing != null) {
                AtomicFiles.write(dir.resolve("preprocessor_config.json"), json(preprocessorJson(preprocessing)));
            }
            if (tokenizerDir != null) {
                copyTokenizer(tokenizerDir, dir, maxLength);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    /** HF's {@code preprocessor_config.json} for a {@code SiglipImageProcessor}. */
    static JsonObject preprocessorJson(SiglipImageProcessorConfig p) {
        JsonObject o = new JsonObject();
        o.addProperty("do_resize", p.doResize());
        JsonObject size = new JsonObject();
        size.addProperty("height", p.height());
        size.addProperty("width", p.width());
        o.add("size", size);
        o.addProperty("resample", p.resample().pilCode());
        o.addProperty("do_rescale", p.doRescale());
        o.addProperty("rescale_factor", p.rescaleFactor());
        o.addProperty("do_normalize", p.doNormalize());
        o.add("image_mean", array(p.imageMean()));
        o.add("image_std", array(p.imageStd()));
        if (p.centerCrop() != null) {
            o.add(org.siglip4j.core.processing.ResizeCenterCrop.JSON_KEY, p.centerCrop().toJson());
        }
        o.addProperty("image_processor_type", "SiglipImageProcessor");
        o.addProperty("processor_class", "SiglipProcessor");
        return o;
    }

    static JsonArray array(double[] v) {
        JsonArray a = new JsonArray();
        for (double d : v) {
            a.add(d);
        }
        return a;
    }

    static byte[] json(JsonElement e) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(e)
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Copies the tokenizer files of {@code from} into {@code to}, setting {@code model_max_length}
     * in {@code tokenizer_config.json} when {@code maxLength} is given (open_clip pads to its
     * {@code context_length}, whatever the tokenizer's own config says).
     */
    static void copyTokenizer(Path from, Path to, Integer maxLength) throws IOException {
        for (String f : TOKENIZER_FILES) {
            if (Files.isRegularFile(from.resolve(f))) {
                Files.copy(from.resolve(f), to.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path cfg = from.resolve("tokenizer_config.json");
        JsonObject t = Files.isRegularFile(cfg)
                ? BoundedJson.parse(Files.readString(cfg, StandardCharsets.UTF_8), cfg.toString()).getAsJsonObject()
                : new JsonObject();
        if (maxLength != null) {
            t.addProperty("model_max_length", maxLength);
        }
        AtomicFiles.write(to.resolve("tokenizer_config.json"), json(t));
    }
}
