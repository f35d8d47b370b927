package org.siglip4j.core.model;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.pipeline.SiglipPipelines;

/**
 * Loads whichever model class a folder's {@code config.json} names in {@code architectures}, as
 * Hugging Face's {@code AutoModel} does: a folder written by {@code finetune --classification}
 * (or any HF {@code SiglipForImageClassification} checkpoint) loads as a
 * {@link SiglipForImageClassification}, a SigLIP folder as a {@link SiglipModel}.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager();
 *         PretrainedSiglip model = AutoSiglip.fromPretrained("google/siglip-base-patch16-224", manager)) {
 *     if (model instanceof SiglipModel siglip) { ... }
 * }
 * }</pre>
 */
public final class AutoSiglip {
    /** The {@code architectures} entry of a fine-tuned classification head. */
    public static final String IMAGE_CLASSIFICATION = "SiglipForImageClassification";
    /** The SigLIP 2 NaFlex two-tower class (HF {@code Siglip2Model}). */
    static final String SIGLIP2 = "Siglip2Model";

    private AutoSiglip() {}

    /**
     * Resolves a folder or hub id to a local model folder (downloading a hub model if needed).
     *
     * @param folderOrHubId a folder path or a hub id
     * @return the folder
     */
    public static Path resolve(String folderOrHubId) {
        return SiglipPipelines.resolveModel(folderOrHubId);
    }

    /**
     * The model class a folder's config names: the first entry of {@code architectures} that
     * siglip4j knows, else {@code SiglipModel} (the HF default for {@code model_type: siglip}).
     *
     * @param config the folder's config
     * @return {@code SiglipModel}, {@code SiglipForImageClassification}, {@code SiglipVisionModel}
     *     or {@code SiglipTextModel}
     */
    public static String architecture(SiglipConfig config) {
        for (String a : config.architectures()) {
            if (List.of("SiglipModel", IMAGE_CLASSIFICATION, "SiglipVisionModel", "SiglipTextModel").contains(a)) {
                return a;
            }
        }
        return "SiglipModel";
    }

    /**
     * Whether a folder holds a fine-tuned image-classification head.
     *
     * @param dir a model folder
     * @return true when its config names {@code SiglipForImageClassification}
     */
    public static boolean isImageClassifier(Path dir) {
        return IMAGE_CLASSIFICATION.equals(architecture(dir));
    }

    /**
     * The model class a folder holds: {@code Siglip2Model} for a SigLIP 2 NaFlex config (whose
     * {@code model_type} SiglipConfig does not read), else {@link #architecture(SiglipConfig)}.
     *
     * @param dir a model folder
     * @return the class name, as in {@code architectures}
     */
    public static String architecture(Path dir) {
        return Siglip2Config.isSiglip2(dir) ? SIGLIP2 : architecture(SiglipConfig.load(dir));
    }

    /**
     * Loads a folder or hub id as the class its config names, strictly.
     *
     * @param folderOrHubId a folder path or a hub id
     * @param manager manager whose sub-manager will own the weights
     * @return the model
     */
    public static PretrainedSiglip fromPretrained(String folderOrHubId, NDManager manager) {
        return fromPretrained(resolve(folderOrHubId), manager);
    }

    /**
     * Loads a folder as the class its config names, strictly.
     *
     * @param dir a Hugging Face model folder
     * @param manager manager whose sub-manager will own the weights
     * @return the model
     */
    public static PretrainedSiglip fromPretrained(Path dir, NDManager manager) {
        String arch = architecture(dir);
        switch (arch) {
            case SIGLIP2:
                return Siglip2Model.fromPretrained(dir, manager);
            case IMAGE_CLASSIFICATION:
                return SiglipForImageClassification.fromPretrained(dir, manager);
            case "SiglipVisionModel":
                return SiglipVisionModel.fromPretrained(dir, manager);
            case "SiglipTextModel":
                return SiglipTextModel.fromPretrained(dir, manager);
            case "SiglipModel":
                return SiglipModel.fromPretrained(dir, manager);
            default:
                throw new SiglipException("unknown architecture " + arch + " in " + dir.resolve("config.json"));
        }
    }
}
