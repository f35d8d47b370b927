package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.SiglipVisionTransformer;
import org.siglip4j.core.nn.TorchLinear;

/**
 * HF {@code SiglipForImageClassification}: the vision tower, mean over ALL patch tokens of the
 * last hidden state (after post_layernorm, HF v4.43+), then {@code classifier} Linear(D,
 * num_labels).
 *
 * <p>Like HF, the tower keeps its MAP {@code head} (when {@code vision_use_head}) although the
 * classifier never runs it: HF checkpoints of this class contain those tensors, so they load
 * strictly and a saved folder loads back into HF unchanged. The head's parameters are frozen (no
 * gradient) because nothing in the forward pass uses them.
 *
 * <p>A timm MAP tower's classifier ({@code global_pool: map}, {@code head} after {@code attn_pool})
 * sits on the attention-pooled token instead: a vision config whose {@value #CLASSIFIER_POOLING} is
 * {@code map} pools with the MAP head (trained, not frozen) and classifies that, as timm's
 * {@code forward_head} does. Transformers ignores the key and would take the token mean.
 */
public class SiglipForImageClassification extends PretrainedSiglip {
    /**
     * Key of the vision config (siglip4j's; HF keeps it as an unknown key): {@code mean} (HF's
     * pooling, the default) or {@code map} (timm's MAP towers: the MAP head's output).
     */
    public static final String CLASSIFIER_POOLING = "siglip4j_classifier_pooling";

    private final SiglipVisionTransformer visionModel;
    private final TorchLinear classifier;
    /** Whether the classifier reads the MAP head's output (timm) instead of the token mean (HF). */
    private final boolean mapPooling;

    /** An unloaded classifier of that config ({@code id2label} gives the classes). */
    public SiglipForImageClassification(SiglipConfig config, NDManager manager) {
        super(config, manager);
        mapPooling = usesMapPooling(config);
        if (mapPooling && !config.visionConfig().visionUseHead()) {
            throw new org.siglip4j.core.SiglipException("vision_config." + CLASSIFIER_POOLING
                    + " is 'map' but vision_use_head is false: the MAP classifier needs the MAP head");
        }
        visionModel = module("vision_model", new SiglipVisionTransformer(config.visionConfig()));
        int d = config.visionConfig().hiddenSize();
        float std = (float) (Math.pow(d, -0.5) * config.initializerFactor());
        classifier = module("classifier", new TorchLinear(d, config.numLabels(), true, new NormalInitializer(std),
                Initializer.ZEROS));
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            if (!mapPooling && e.getKey().startsWith("vision_model.head.")) {
                e.getValue().freeze(true);
            }
        }
        setCompute(ComputePolicy.fromSystemProperties()); // the default source, read once per model
    }

    /**
     * Whether a config's classifier reads the MAP head's output ({@value #CLASSIFIER_POOLING}
     * {@code map}, timm's MAP towers) rather than the token mean.
     *
     * @param config a model config
     * @return true for MAP pooling
     */
    public static boolean usesMapPooling(SiglipConfig config) {
        var extra = config.visionConfig().extra();
        return extra.has(CLASSIFIER_POOLING) && extra.get(CLASSIFIER_POOLING).isJsonPrimitive()
                && "map".equals(extra.get(CLASSIFIER_POOLING).getAsString());
    }

    /** Loads a HF {@code SiglipForImageClassification} folder, strictly. */
    public static SiglipForImageClassification fromPretrained(Path dir, NDManager manager) {
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
    public static SiglipForImageClassification fromPretrained(String folderOrHubId, NDManager manager) {
        return fromPretrained(AutoSiglip.resolve(folderOrHubId), manager);
    }

    /**
     * Loads a folder. With {@code strict=false} a SiglipModel folder works too: its text tower
     * is reported unexpected and the missing classifier is initialised randomly.
     */
    public static SiglipForImageClassification fromPretrained(Path dir, NDManager manager, boolean strict) {
        return fromPretrained(dir, manager, strict, SiglipForImageClassification::new,
                SiglipConfig::classificationParameterCount);
    }

    @Override
    protected String architecture() {
        return "SiglipForImageClassification";
    }

    /** Class names by index. */
    public Map<Integer, String> id2label() {
        return config().id2label();
    }

    /** The vision tower. */
    public SiglipVisionTransformer visionModel() {
        return visionModel;
    }

    /** Logits [B, num_labels] (inference, in chunks of images; see {@link #inferImages}). */
    public NDArray logits(NDArray pixelValues) {
        return inferImages(pixelValues, (ps, px, none) -> compute(ps, px, false, false).logits());
    }

    /**
     * Logits [B, num_labels] under any parameter store, autograd included, computed in chunks of
     * images ({@link #imageChunks}): what a training step calls.
     */
    public NDArray logits(ParameterStore ps, NDArray pixelValues, boolean training) {
        return imageChunks(pixelValues, px -> compute(ps, px, false, training).logits());
    }

    /** Logits and last hidden state (inference). */
    public ImageClassifierOutput forward(NDArray pixelValues) {
        return infer(pixelValues, ps -> compute(ps, pixelValues, false, false),
                o -> Arrays.asList(o.logits(), o.lastHiddenState()));
    }

    /** The forward computation under any parameter store. */
    public ImageClassifierOutput compute(ParameterStore ps, NDArray pixelValues, boolean interpolatePosEncoding,
            boolean training) {
        BaseModelOutput o = visionModel.forward(ps, pixelValues, interpolatePosEncoding, mapPooling, training);
        NDArray pooled = mapPooling ? o.poolerOutput() : o.lastHiddenState().mean(new int[] {1});
        return new ImageClassifierOutput(classifier.forward(ps, pooled, training), o.lastHiddenState());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return new NDList(compute(ps, inputs.get(0), false, training).logits());
    }
}
