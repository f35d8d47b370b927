package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.CheckpointLoader;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.Siglip2VisionTransformer;
import org.siglip4j.core.nn.SiglipTextTransformer;

/**
 * SigLIP 2 NaFlex ({@code Siglip2Model}, Tschannen et al., arXiv 2502.14786): SigLIP's text tower
 * and sigmoid logits, with a vision tower that takes each image at its own aspect ratio as a
 * padded patch sequence ({@link Siglip2VisionTransformer}). Parameter names are HF's checkpoint
 * keys; the text tower and the MAP head are SigLIP's blocks.
 *
 * <p>Inputs: input_ids [N, L]; pixel_values [B, P, C*p*p], pixel_attention_mask [B, P] and
 * spatial_shapes [B, 2] as {@link org.siglip4j.core.processing.Siglip2ImageProcessor} makes them.
 * {@link #forwardInternal} takes {@code (input_ids, pixel_values, pixel_attention_mask,
 * spatial_shapes)} and returns {@code [logits_per_image, logits_per_text, text_embeds,
 * image_embeds]} like {@link SiglipModel}, so the sigmoid-loss trainer's step applies unchanged.
 */
public class Siglip2Model extends PretrainedSiglip {
    private final Siglip2Config siglip2Config;
    private final SiglipTextTransformer textModel;
    private final Siglip2VisionTransformer visionModel;
    private final Parameter logitScale;
    private final Parameter logitBias;

    /** A model of that config whose weights will live in a sub-manager of {@code manager}. */
    public Siglip2Model(Siglip2Config config, NDManager manager) {
        super(config.asSiglipConfig(), manager);
        this.siglip2Config = config;
        textModel = module("text_model", new SiglipTextTransformer(config.textConfig()));
        visionModel = module("vision_model", new Siglip2VisionTransformer(config.visionConfig()));
        logitScale = parameter("logit_scale", new Shape(1), Parameter.Type.OTHER,
                new ConstantInitializer((float) SiglipLogits.INIT_LOGIT_SCALE));
        logitBias = parameter("logit_bias", new Shape(1), Parameter.Type.OTHER, new ConstantInitializer((float) SiglipLogits.INIT_LOGIT_BIAS));
        setCompute(ComputePolicy.fromSystemProperties()); // the default source, read once per model
    }

    /** Loads a Hugging Face SigLIP 2 NaFlex folder ({@code model_type siglip2}), strictly. */
    public static Siglip2Model fromPretrained(Path dir, NDManager manager) {
        Siglip2Config config = Siglip2Config.load(dir);
        return loadChecked(dir, true, config.parameterCount(), () -> new Siglip2Model(config, manager));
    }

    @Override
    protected String architecture() {
        return "Siglip2Model";
    }

    /** The NaFlex configuration. */
    public Siglip2Config siglip2Config() {
        return siglip2Config;
    }

    /** The text tower. */
    public SiglipTextTransformer textModel() {
        return textModel;
    }

    /** The NaFlex vision tower. */
    public Siglip2VisionTransformer visionModel() {
        return visionModel;
    }

    /** Writes {@code config.json} (the siglip2 config as loaded) and {@code model.safetensors}. */
    @Override
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            JsonObject json = siglip2Config.json();
            JsonArray architectures = new JsonArray();
            architectures.add(architecture());
            json.add("architectures", architectures);
            json.addProperty("model_type", Siglip2Config.MODEL_TYPE);
            AtomicFiles.write(dir.resolve("config.json"), (new GsonBuilder().setPrettyPrinting()
                    .disableHtmlEscaping().create().toJson(json) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SiglipException("cannot write " + dir + ": " + e.getMessage(), e);
        }
        CheckpointLoader.save(namedParameters(), dir.resolve(Checkpoint.SINGLE));
    }

    /** The vision tower's output (inference). */
    public BaseModelOutput visionOutput(NDArray pixelValues, NDArray pixelAttentionMask, NDArray spatialShapes) {
        long[][] shapes = Siglip2VisionTransformer.shapes(spatialShapes);
        return infer(pixelValues, ps -> {
            join(pixelAttentionMask, pixelValues);
            return visionModel.forward(ps, pixelValues, pixelAttentionMask, shapes, false);
        }, o -> Arrays.asList(o.lastHiddenState(), o.poolerOutput()));
    }

    /** Normalised image embeddings [B, D] (inference). */
    public NDArray imageEmbeds(NDArray pixelValues, NDArray pixelAttentionMask, NDArray spatialShapes) {
        return l2normalize(getImageFeatures(pixelValues, pixelAttentionMask, spatialShapes));
    }

    /** Image pooler output [B, D] (masked MAP head, not normalised; HF's {@code get_image_features}). */
    public NDArray getImageFeatures(NDArray pixelValues, NDArray pixelAttentionMask, NDArray spatialShapes) {
        long[][] shapes = Siglip2VisionTransformer.shapes(spatialShapes);
        return infer(pixelValues, ps -> {
            join(pixelAttentionMask, pixelValues);
            return visionModel.forward(ps, pixelValues, pixelAttentionMask, shapes, false).poolerOutput();
        }, o -> Arrays.asList(o));
    }

    /**
     * The image pooler output [B, D] under any parameter store, autograd included (what a training
     * step calls).
     */
    public NDArray getImageFeatures(ParameterStore ps, NDArray pixelValues, NDArray pixelAttentionMask,
            NDArray spatialShapes, boolean training) {
        return visionModel.forward(ps, pixelValues, pixelAttentionMask, Siglip2VisionTransformer.shapes(spatialShapes),
                training).poolerOutput();
    }

    /** The text pooler output [N, P] under any parameter store, autograd included. */
    public NDArray getTextFeatures(ParameterStore ps, NDArray inputIds, boolean training) {
        return textModel.forward(ps, inputIds, null, training).poolerOutput();
    }

    /** Normalised text embeddings [N, P] (inference). */
    public NDArray textEmbeds(NDArray inputIds) {
        return l2normalize(getTextFeatures(inputIds));
    }

    /** Text pooler output [N, P] (head of the last position, not normalised). */
    public NDArray getTextFeatures(NDArray inputIds) {
        return infer(inputIds, ps -> textModel.forward(ps, inputIds, null, false).poolerOutput(),
                o -> Arrays.asList(o));
    }

    /** The model's {@code logit_scale} parameter (log temperature). */
    public Parameter logitScale() {
        return logitScale;
    }

    /** The model's {@code logit_bias} parameter. */
    public Parameter logitBias() {
        return logitBias;
    }

    /** Logits and embeddings of every text against every image (inference). */
    public SiglipOutput forward(NDArray inputIds, NDArray pixelValues, NDArray pixelAttentionMask,
            NDArray spatialShapes) {
        return infer(inputIds, ps -> {
            join(pixelValues, inputIds);
            join(pixelAttentionMask, inputIds);
            return compute(ps, inputIds, pixelValues, pixelAttentionMask, spatialShapes, false);
        }, o -> Arrays.asList(o.logitsPerImage(), o.logitsPerText(), o.textEmbeds(), o.imageEmbeds(),
                o.textModelOutput().lastHiddenState(), o.textModelOutput().poolerOutput(),
                o.visionModelOutput().lastHiddenState(), o.visionModelOutput().poolerOutput()));
    }

    /** The forward computation under any parameter store (training or inference). */
    public SiglipOutput compute(ParameterStore ps, NDArray inputIds, NDArray pixelValues, NDArray pixelAttentionMask,
            NDArray spatialShapes, boolean training) {
        BaseModelOutput text = textModel.forward(ps, inputIds, null, training);
        BaseModelOutput vision = visionModel.forward(ps, pixelValues, pixelAttentionMask,
                Siglip2VisionTransformer.shapes(spatialShapes), training);
        NDArray textEmbeds = l2normalize(text.poolerOutput());
        NDArray imageEmbeds = l2normalize(vision.poolerOutput());
        NDArray logitsPerText = SiglipLogits.of(textEmbeds, imageEmbeds, value(ps, logitScale, textEmbeds, training),
                value(ps, logitBias, textEmbeds, training));
        return new SiglipOutput(logitsPerText.transpose(), logitsPerText, textEmbeds, imageEmbeds, text, vision);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        if (inputs.size() != 4) {
            throw new SiglipException("Siglip2Model takes (input_ids, pixel_values, pixel_attention_mask,"
                    + " spatial_shapes), got " + inputs.size() + " arrays");
        }
        SiglipOutput o = compute(ps, inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), training);
        return new NDList(o.logitsPerImage(), o.logitsPerText(), o.textEmbeds(), o.imageEmbeds());
    }
}
