package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.nn.CheckpointedStages;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.SiglipModule;
import org.siglip4j.core.nn.SiglipTextTransformer;
import org.siglip4j.core.nn.SiglipVisionTransformer;

/**
 * HF {@code SiglipModel}: {@code text_model}, {@code vision_model}, {@code logit_scale} [1],
 * {@code logit_bias} [1]. As a DJL block, {@code forward(ps, [input_ids, pixel_values
 * (, attention_mask)], training)} returns {@code [logits_per_image, logits_per_text, text_embeds,
 * image_embeds]} and works under a {@code GradientCollector}.
 */
public class SiglipModel extends PretrainedSiglip {
    private final SiglipTextTransformer textModel;
    private final SiglipVisionTransformer visionModel;
    private final Parameter logitScale;
    private final Parameter logitBias;

    /**
     * A model of that config whose weights will live in a sub-manager of {@code manager}; call
     * {@link #loadWeights} or {@link #initializeMissing()} before use.
     */
    public SiglipModel(SiglipConfig config, NDManager manager) {
        super(config, manager);
        textModel = module("text_model", new SiglipTextTransformer(config.textConfig()));
        visionModel = module("vision_model", new SiglipVisionTransformer(config.visionConfig()));
        // paper initialisation t' = log 10, b = -10 (HF's _init_weights uses 0 and 0)
        logitScale = parameter("logit_scale", new Shape(1), Parameter.Type.OTHER,
                new ConstantInitializer((float) SiglipLogits.INIT_LOGIT_SCALE));
        logitBias = parameter("logit_bias", new Shape(1), Parameter.Type.OTHER, new ConstantInitializer((float) SiglipLogits.INIT_LOGIT_BIAS));
        setCompute(ComputePolicy.fromSystemProperties()); // the default source, read once per model
    }

    /** Loads a Hugging Face SigLIP folder (config.json + model.safetensors or shards), strictly. */
    public static SiglipModel fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, manager, true);
    }

    /**
     * Loads a model folder or a Hugging Face hub id (downloaded into the hub cache on first use),
     * strictly.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @param manager manager whose sub-manager will own the weights
     * @return the loaded model
     */
    public static SiglipModel fromPretrained(String folderOrHubId, NDManager manager) {
        return fromPretrained(AutoSiglip.resolve(folderOrHubId), manager);
    }

    /** Loads a folder; with {@code strict=false} problems are logged and in {@link #lastLoadReport()}. */
    public static SiglipModel fromPretrained(Path dir, NDManager manager, boolean strict) {
        return fromPretrained(dir, manager, strict, SiglipModel::new, SiglipConfig::parameterCount);
    }

    /** A randomly initialised model (HF-style initialisers, paper logit scale/bias). */
    public static SiglipModel newModel(SiglipConfig config, NDManager manager) {
        SiglipModel m = new SiglipModel(config, manager);
        m.initializeMissing();
        return m;
    }

    @Override
    protected String architecture() {
        return "SiglipModel";
    }

    /** The text tower. */
    public SiglipTextTransformer textModel() {
        return textModel;
    }

    /** The vision tower. */
    public SiglipVisionTransformer visionModel() {
        return visionModel;
    }

    /** The {@code logit_scale} parameter (log temperature). */
    public Parameter logitScale() {
        return logitScale;
    }

    /** The {@code logit_bias} parameter. */
    public Parameter logitBias() {
        return logitBias;
    }

    /** Image pooler output [B, D] (MAP head, not normalised). */
    public NDArray getImageFeatures(NDArray pixelValues) {
        return getImageFeatures(pixelValues, false);
    }

    /** Image pooler output, optionally at another image size with interpolated positions. */
    public NDArray getImageFeatures(NDArray pixelValues, boolean interpolatePosEncoding) {
        return inferImages(pixelValues,
                (ps, px, none) -> visionModel.forward(ps, px, interpolatePosEncoding, true, false).poolerOutput());
    }

    /** Text pooler output [B, P] (head of the last position, not normalised), no mask. */
    public NDArray getTextFeatures(NDArray inputIds) {
        return getTextFeatures(inputIds, null);
    }

    /** Text pooler output with an optional [B, L] attention mask. */
    public NDArray getTextFeatures(NDArray inputIds, NDArray attentionMask) {
        return inferTexts(inputIds, attentionMask,
                (ps, ids, mask) -> textModel.forward(ps, ids, mask, false).poolerOutput());
    }

    /**
     * The image pooler output [B, D] under any parameter store, autograd included, computed in
     * chunks of images ({@link #imageChunks}): what a training step calls.
     */
    public NDArray getImageFeatures(ParameterStore ps, NDArray pixelValues, boolean training) {
        return imageChunks(pixelValues, px -> visionModel.forward(ps, px, false, true, training).poolerOutput());
    }

    /** The text pooler output [B, P] (no mask) under any parameter store, in chunks ({@link #textChunks}). */
    public NDArray getTextFeatures(ParameterStore ps, NDArray inputIds, boolean training) {
        return textChunks(inputIds, ids -> textModel.forward(ps, ids, null, training).poolerOutput());
    }

    /**
     * {@link #getImageFeatures(ParameterStore, NDArray, boolean)} with activation checkpointing per
     * encoder layer (HF's {@code gradient_checkpointing}): only each layer's input is kept, and
     * {@link CheckpointedFeatures#backward()} recomputes the layers during the backward pass.
     */
    public CheckpointedFeatures getImageFeaturesCheckpointed(ParameterStore ps, NDArray pixelValues, boolean training) {
        List<CheckpointedStages> runs = new ArrayList<>();
        NDArray features = imageChunks(pixelValues,
                px -> checkpointed(px, visionModel.stages(ps, training), trains(visionModel, "embeddings"), runs));
        return new CheckpointedFeatures(features, runs);
    }

    /** {@link #getTextFeatures(ParameterStore, NDArray, boolean)} with activation checkpointing per encoder layer. */
    public CheckpointedFeatures getTextFeaturesCheckpointed(ParameterStore ps, NDArray inputIds, boolean training) {
        List<CheckpointedStages> runs = new ArrayList<>();
        NDArray features = textChunks(inputIds,
                ids -> checkpointed(ids, textModel.stages(ps, training), trains(textModel, "embeddings"), runs));
        return new CheckpointedFeatures(features, runs);
    }

    /** Whether a child module of a tower has a parameter that takes gradients. */
    private static boolean trains(SiglipModule tower, String child) {
        return tower.modules().get(child).namedParameters().values().stream().anyMatch(Parameter::requiresGradient);
    }

    private static NDArray checkpointed(NDArray input, List<UnaryOperator<NDArray>> stages, boolean firstStageTrains,
            List<CheckpointedStages> runs) {
        CheckpointedStages run = CheckpointedStages.forward(input, stages, firstStageTrains);
        runs.add(run);
        return run.output();
    }

    /** Normalised image embeddings [B, D]. */
    public NDArray imageEmbeds(NDArray pixelValues) {
        return inferImages(pixelValues,
                (ps, px, none) -> l2normalize(visionModel.forward(ps, px, false, true, false).poolerOutput()));
    }

    /** Normalised text embeddings [B, P]. */
    public NDArray textEmbeds(NDArray inputIds) {
        return inferTexts(inputIds, null,
                (ps, ids, none) -> l2normalize(textModel.forward(ps, ids, null, false).poolerOutput()));
    }

    /** Full vision tower output (last hidden state and pooler output). */
    public BaseModelOutput visionOutput(NDArray pixelValues, boolean interpolatePosEncoding) {
        return infer(pixelValues, ps -> visionModel.forward(ps, pixelValues, interpolatePosEncoding, true, false),
                o -> Arrays.asList(o.lastHiddenState(), o.poolerOutput()));
    }

    /** Full text tower output; {@code attentionMask} may be null. */
    public BaseModelOutput textOutput(NDArray inputIds, NDArray attentionMask) {
        return infer(inputIds, ps -> {
            join(attentionMask, inputIds);
            return textModel.forward(ps, inputIds, attentionMask, false);
        }, o -> Arrays.asList(o.lastHiddenState(), o.poolerOutput()));
    }

    /** Logits and embeddings of every text against every image (inference, no mask). */
    public SiglipOutput forward(NDArray inputIds, NDArray pixelValues) {
        return infer(inputIds, ps -> {
            join(pixelValues, inputIds);
            return compute(ps, inputIds, pixelValues, null, false);
        }, o -> Arrays.asList(o.logitsPerImage(), o.logitsPerText(), o.textEmbeds(), o.imageEmbeds(),
                o.textModelOutput().lastHiddenState(), o.textModelOutput().poolerOutput(),
                o.visionModelOutput().lastHiddenState(), o.visionModelOutput().poolerOutput()));
    }

    /**
     * The forward computation under any parameter store (training or inference).
     *
     * @param attentionMask optional [N_txt, L] mask
     */
    public SiglipOutput compute(ParameterStore ps, NDArray inputIds, NDArray pixelValues, NDArray attentionMask,
            boolean training) {
        BaseModelOutput text = textModel.forward(ps, inputIds, attentionMask, training);
        BaseModelOutput vision = visionModel.forward(ps, pixelValues, false, true, training);
        NDArray textEmbeds = l2normalize(text.poolerOutput());
        NDArray imageEmbeds = l2normalize(vision.poolerOutput());
        NDArray logitsPerText = SiglipLogits.of(textEmbeds, imageEmbeds, value(ps, logitScale, textEmbeds, training),
                value(ps, logitBias, textEmbeds, training));
        NDArray logitsPerImage = logitsPerText.transpose();
        return new SiglipOutput(logitsPerImage, logitsPerText, textEmbeds, imageEmbeds, text, vision);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        SiglipOutput o = compute(ps, inputs.get(0), inputs.get(1), inputs.size() > 2 ? inputs.get(2) : null, training);
        return new NDList(o.logitsPerImage(), o.logitsPerText(), o.textEmbeds(), o.imageEmbeds());
    }
}
