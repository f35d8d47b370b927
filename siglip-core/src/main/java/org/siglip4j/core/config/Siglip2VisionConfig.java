package org.siglip4j.core.config;

import com.google.gson.JsonObject;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision tower of a SigLIP 2 NaFlex checkpoint ({@code Siglip2VisionConfig},
 * {@code model_type siglip2_vision_model}): a ViT over a variable number of patches whose
 * position table has {@code num_patches} entries (a square grid) resized to each image's grid.
 *
 * @param hiddenSize width D
 * @param intermediateSize MLP width
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads H
 * @param numChannels input channels (3)
 * @param numPatches entries of the position table, a square number (256 = 16 x 16)
 * @param patchSize patch side in pixels
 * @param hiddenAct MLP activation
 * @param layerNormEps LayerNorm epsilon
 * @param attentionDropout dropout on attention probabilities during training
 */
public record Siglip2VisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int numPatches,
        int patchSize,
        String hiddenAct,
        double layerNormEps,
        double attentionDropout) {

    private static final Logger LOG = LoggerFactory.getLogger(Siglip2VisionConfig.class);
    /** HF {@code model_type} of a SigLIP 2 vision config. */
    public static final String MODEL_TYPE = "siglip2_vision_model";
    private static final Set<String> FIELDS = Set.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_channels", "num_patches", "patch_size", "hidden_act", "layer_norm_eps",
            "attention_dropout", "model_type");

    /** Validates every field. */
    public Siglip2VisionConfig {
        String p = "vision_config.";
        JsonFields.checkEncoder(p, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenAct,
                layerNormEps, attentionDropout);
        JsonFields.positive(p, "num_channels", numChannels);
        JsonFields.positive(p, "num_patches", numPatches);
        JsonFields.positive(p, "patch_size", patchSize);
        int g = (int) Math.round(Math.sqrt(numPatches));
        if (g * g != numPatches) {
            // HF reshapes the table to int(sqrt(num_patches)) squared and fails otherwise
            throw new SiglipException("config.json: vision_config.num_patches must be a square number (the position"
                    + " table is a square grid), got " + numPatches);
        }
    }

    /** Side of the square position grid, {@code sqrt(num_patches)}. */
    public int positionGridSize() {
        return (int) Math.round(Math.sqrt(numPatches));
    }

    /**
     * The SigLIP 1 vision config with the same blocks (encoder, MAP head): the one whose trained
     * image is the position grid's size in pixels.
     */
    public SiglipVisionConfig asSiglipVisionConfig() {
        return new SiglipVisionConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                positionGridSize() * patchSize, patchSize, hiddenAct, layerNormEps, attentionDropout, true, null);
    }

    /** Reads a {@code vision_config} object; missing keys take HF's class defaults (base/16, 256 patches). */
    public static Siglip2VisionConfig fromJson(JsonObject o) {
        String p = "vision_config.";
        JsonFields.extraKeys(o, p, FIELDS, LOG);
        return new Siglip2VisionConfig(
                JsonFields.integer(o, p, "hidden_size", 768),
                JsonFields.integer(o, p, "intermediate_size", 3072),
                JsonFields.integer(o, p, "num_hidden_layers", 12),
                JsonFields.integer(o, p, "num_attention_heads", 12),
                JsonFields.integer(o, p, "num_channels", 3),
                JsonFields.integer(o, p, "num_patches", 256),
                JsonFields.integer(o, p, "patch_size", 16),
                JsonFields.string(o, p, "hidden_act", "gelu_pytorch_tanh"),
                JsonFields.number(o, p, "layer_norm_eps", 1e-6),
                JsonFields.number(o, p, "attention_dropout", 0.0));
    }
}
