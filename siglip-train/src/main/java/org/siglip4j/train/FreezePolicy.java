package org.siglip4j.train;

import ai.djl.nn.Parameter;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.SiglipForImageClassification;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which parameters of a model train, decided from a {@link TrainerConfig.Freeze} and the depth of
 * each tower. Locked-image tuning (LiT, Zhai et al. 2022) freezes the vision tower; "unlock the
 * last N blocks" re-opens its encoder layers {@code L-N .. L-1} together with what follows them
 * (the final norm and the head). The temperature t' and bias b always train.
 *
 * <p>The decision reads only the HF parameter name ({@code vision_model.encoder.layers.3.mlp.fc1.weight}),
 * so the same policy applies to every model whose module tree is the checkpoint key tree. A
 * classifier never runs the vision tower's attention-pooling head, so {@link #classifier} keeps it
 * frozen whatever the freeze says.
 *
 * @param freeze what the run locks and unlocks
 * @param visionLayers encoder layers of the vision tower
 * @param textLayers encoder layers of the text tower (0 for a model without one)
 * @param unusedVisionHead keep {@code vision_model.head.*} frozen (the classifier does not use it)
 */
public record FreezePolicy(TrainerConfig.Freeze freeze, int visionLayers, int textLayers, boolean unusedVisionHead) {
    private static final String VISION = "vision_model.";
    private static final String TEXT = "text_model.";
    private static final String LAYERS = "encoder.layers.";

    /**
     * The policy of a contrastive (image-text) run.
     *
     * @param freeze what the run locks
     * @param model the model whose towers' depths apply
     * @return the policy
     */
    public static FreezePolicy contrastive(TrainerConfig.Freeze freeze, PretrainedSiglip model) {
        return new FreezePolicy(freeze, model.config().visionConfig().numHiddenLayers(),
                model.config().textConfig().numHiddenLayers(), false);
    }

    /**
     * The policy of a classification run: vision lock only, the MAP head frozen unless the
     * classifier reads its pooled token (a timm MAP tower's).
     *
     * @param freeze what the run locks
     * @param model the classifier
     * @return the policy
     */
    public static FreezePolicy classifier(TrainerConfig.Freeze freeze, SiglipForImageClassification model) {
        // a timm MAP tower's classifier reads the MAP-pooled token: its head trains then
        return new FreezePolicy(freeze, model.config().visionConfig().numHiddenLayers(), 0,
                !SiglipForImageClassification.usesMapPooling(model.config()));
    }

    /**
     * Whether the parameter of this HF name trains.
     *
     * @param name the parameter's HF name
     * @return true when it trains
     */
    public boolean trains(String name) {
        if (name.startsWith(VISION)) {
            if (unusedVisionHead && name.startsWith(VISION + "head.")) {
                return false;
            }
            return !freeze.lockImage() || unlocked(name.substring(VISION.length()), visionLayers,
                    freeze.unlockLastImageBlocks());
        }
        if (name.startsWith(TEXT)) {
            return !freeze.lockText() || unlocked(name.substring(TEXT.length()), textLayers,
                    freeze.unlockLastTextBlocks());
        }
        return true;
    }

    /**
     * Sets each parameter's frozen flag and returns the trainable ones by name, in the given order.
     * Called again after weights are loaded: loading replaces the arrays and with them the flags.
     *
     * @param params the model's parameters by HF name
     * @return the trainable parameters
     */
    public Map<String, Parameter> apply(Map<String, Parameter> params) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        params.forEach((name, p) -> {
            boolean trains = trains(name);
            p.freeze(!trains);
            if (trains) {
                out.put(name, p);
            }
        });
        return out;
    }

    /** Whether a parameter of a locked tower (name without the tower prefix) is re-opened by "unlock the last n". */
    private static boolean unlocked(String rest, int layers, int n) {
        if (n <= 0) {
            return false;
        }
        if (rest.startsWith(LAYERS)) {
            int layer = Integer.parseInt(rest.substring(LAYERS.length()).split("\\.")[0]);
            return layer >= layers - n;
        }
        // What follows the blocks: the final norms and the heads.
        return rest.startsWith("post_layernorm") || rest.startsWith("final_layer_norm") || rest.startsWith("head");
    }
}
