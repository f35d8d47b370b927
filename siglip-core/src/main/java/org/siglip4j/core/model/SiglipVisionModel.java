package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.Arrays;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.SiglipVisionTransformer;

/**
 * HF {@code SiglipVisionModel}: only {@code vision_model.*}. Loads from a full SiglipModel folder
 * too (the text tower and logit parameters are skipped as ignored).
 */
public class SiglipVisionModel extends PretrainedSiglip {
    private final SiglipVisionTransformer visionModel;

    /** An unloaded model of that config. */
    public SiglipVisionModel(SiglipConfig config, NDManager manager) {
        super(config, manager);
        visionModel = module("vision_model", new SiglipVisionTransformer(config.visionConfig()));
        setCompute(ComputePolicy.fromSystemProperties()); // the default source, read once per model
    }

    /** Loads the vision tower of a HF SigLIP folder. */
    public static SiglipVisionModel fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, manager, true);
    }

    /** Loads the vision tower; with {@code strict=false} problems are logged and in {@link #lastLoadReport()}. */
    public static SiglipVisionModel fromPretrained(Path dir, NDManager manager, boolean strict) {
        return fromPretrained(dir, manager, strict, SiglipVisionModel::new, c -> c.visionConfig().parameterCount());
    }

    /**
     * Loads a model folder or a Hugging Face hub id (downloaded into the hub cache on first use),
     * strictly.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @param manager manager whose sub-manager will own the weights
     * @return the loaded model
     */
    public static SiglipVisionModel fromPretrained(String folderOrHubId, NDManager manager) {
        return fromPretrained(AutoSiglip.resolve(folderOrHubId), manager);
    }

    @Override
    protected String architecture() {
        return "SiglipVisionModel";
    }

    @Override
    protected boolean ignorable(String key) {
        return key.startsWith("text_model.") || key.equals("logit_scale") || key.equals("logit_bias");
    }

    /** The tower. */
    public SiglipVisionTransformer visionModel() {
        return visionModel;
    }

    /** Last hidden state and pooler output. */
    public BaseModelOutput forward(NDArray pixelValues, boolean interpolatePosEncoding) {
        return infer(pixelValues, ps -> visionModel.forward(ps, pixelValues, interpolatePosEncoding, true, false),
                o -> Arrays.asList(o.lastHiddenState(), o.poolerOutput()));
    }

    /** Pooler output (un-normalised). */
    public NDArray getImageFeatures(NDArray pixelValues) {
        return inferImages(pixelValues, (ps, px, none) -> visionModel.forward(ps, px, false, true, false).poolerOutput());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        BaseModelOutput o = visionModel.forward(ps, inputs.get(0), false, true, training);
        return o.poolerOutput() == null ? new NDList(o.lastHiddenState())
                : new NDList(o.lastHiddenState(), o.poolerOutput());
    }
}
