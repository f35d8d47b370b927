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
import org.siglip4j.core.nn.SiglipTextTransformer;

/**
 * HF {@code SiglipTextModel}: only {@code text_model.*}. Loads from a full SiglipModel folder too
 * (the vision tower and logit parameters are skipped as ignored).
 */
public class SiglipTextModel extends PretrainedSiglip {
    private final SiglipTextTransformer textModel;

    /** An unloaded model of that config. */
    public SiglipTextModel(SiglipConfig config, NDManager manager) {
        super(config, manager);
        textModel = module("text_model", new SiglipTextTransformer(config.textConfig()));
        setCompute(ComputePolicy.fromSystemProperties()); // the default source, read once per model
    }

    /** Loads the text tower of a HF SigLIP folder. */
    public static SiglipTextModel fromPretrained(Path dir, NDManager manager) {
        return fromPretrained(dir, manager, true, SiglipTextModel::new,
                c -> c.textConfig().parameterCount());
    }

    /**
     * Loads a model folder or a Hugging Face hub id (downloaded into the hub cache on first use),
     * strictly.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @param manager manager whose sub-manager will own the weights
     * @return the loaded model
     */
    public static SiglipTextModel fromPretrained(String folderOrHubId, NDManager manager) {
        return fromPretrained(AutoSiglip.resolve(folderOrHubId), manager);
    }

    @Override
    protected String architecture() {
        return "SiglipTextModel";
    }

    @Override
    protected boolean ignorable(String key) {
        return key.startsWith("vision_model.") || key.equals("logit_scale") || key.equals("logit_bias");
    }

    /** The tower. */
    public SiglipTextTransformer textModel() {
        return textModel;
    }

    /** Last hidden state and pooler output; {@code attentionMask} may be null. */
    public BaseModelOutput forward(NDArray inputIds, NDArray attentionMask) {
        return infer(inputIds, ps -> {
            join(attentionMask, inputIds);
            return textModel.forward(ps, inputIds, attentionMask, false);
        }, o -> Arrays.asList(o.lastHiddenState(), o.poolerOutput()));
    }

    /** Pooler output (un-normalised). */
    public NDArray getTextFeatures(NDArray inputIds) {
        return inferTexts(inputIds, null, (ps, ids, none) -> textModel.forward(ps, ids, null, false).poolerOutput());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        BaseModelOutput o = textModel.forward(ps, inputs.get(0), inputs.size() > 1 ? inputs.get(1) : null, training);
        return new NDList(o.lastHiddenState(), o.poolerOutput());
    }
}
