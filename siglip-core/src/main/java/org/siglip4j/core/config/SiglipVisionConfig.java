package org.siglip4j.core.config;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vision tower of SigLIP ({@code vision_config}, HF {@code SiglipVisionConfig}).
 *
 * @param hiddenSize width D of the tower
 * @param intermediateSize width of the MLP
 * @param numHiddenLayers number of encoder layers
 * @param numAttentionHeads heads per attention layer (divides {@code hiddenSize})
 * @param numChannels input channels (3)
 * @param imageSize trained square image size in pixels
 * @param patchSize square patch size in pixels (divides {@code imageSize})
 * @param hiddenAct MLP activation, {@code gelu_pytorch_tanh} for every published checkpoint
 * @param layerNormEps epsilon of every LayerNorm
 * @param attentionDropout dropout on attention probabilities during training
 * @param visionUseHead whether the MAP pooling head exists (HF default true)
 * @param extra every other key of the JSON object, kept for the round trip
 */
public record SiglipVisionConfig(
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numChannels,
        int imageSize,
        int patchSize,
        String hiddenAct,
        double layerNormEps,
        double attentionDropout,
        boolean visionUseHead,
        JsonObject extra) {

    private static final Logger LOG = LoggerFactory.getLogger(SiglipVisionConfig.class);
    /** The activations the MLP implements. */
    public static final Set<String> SUPPORTED_ACTIVATIONS =
            Set.of("gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu", "relu", "quick_gelu");
    /**
     * Largest {@code image_size}: {@code image_size^2} stays within Pillow's decompression-bomb limit
     * of 178,956,970 pixels, which the image loader also applies.
     */
    public static final int MAX_IMAGE_SIZE = 13_377;
    /** HF {@code model_type} of a vision config. */
    public static final String MODEL_TYPE = "siglip_vision_model";

    private static final Set<String> FIELDS = Set.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_channels", "image_size", "patch_size", "hidden_act", "layer_norm_eps",
            "attention_dropout", "vision_use_head", "model_type");

    /** Validates every field; see {@link SiglipException} messages. */
    public SiglipVisionConfig {
        String p = "vision_config.";
        JsonFields.checkEncoder(p, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenAct,
                layerNormEps, attentionDropout);
        JsonFields.positive(p, "num_channels", numChannels);
        JsonFields.positive(p, "image_size", imageSize);
        JsonFields.positive(p, "patch_size", patchSize);
        // HF does not require divisibility (So400m/14 at 384 has 27x27 patches, the Conv2d floors),
        // but an image smaller than one patch has no tokens at all
        if (imageSize < patchSize) {
            throw new SiglipException("config.json: vision_config.image_size " + imageSize
                    + " is smaller than vision_config.patch_size " + patchSize + " (no patches)");
        }
        if (imageSize > MAX_IMAGE_SIZE) {
            throw new SiglipException("config.json: vision_config.image_size " + imageSize + " is larger than "
                    + MAX_IMAGE_SIZE + " (an image of that many pixels is over Pillow's decompression-bomb limit)");
        }
        double patches = Math.pow(Math.floor((double) imageSize / patchSize), 2);
        double d = hiddenSize;
        ParameterCounts.checkPlausible("vision_config", (double) numChannels * patchSize * patchSize * d + patches * d
                + (double) numHiddenLayers * ParameterCounts.encoderLayerEstimate(d, intermediateSize)
                + 4 * d * d + ParameterCounts.encoderLayerEstimate(d, intermediateSize));
        extra = extra == null ? new JsonObject() : extra.deepCopy();
    }

    /** HF's class defaults (the ViT-B/16 224 shape). */
    public static SiglipVisionConfig defaults() {
        return new SiglipVisionConfig(768, 3072, 12, 12, 3, 224, 16, "gelu_pytorch_tanh", 1e-6, 0.0, true, null);
    }

    /** Patches per side at the trained image size ({@code image_size // patch_size}, like HF). */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** Number of patch tokens (= position embeddings) at the trained image size. */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** Size of one attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Reads a {@code vision_config} object; missing keys take HF's class defaults. */
    public static SiglipVisionConfig fromJson(JsonObject o) {
        String p = "vision_config.";
        SiglipVisionConfig d = defaults();
        JsonObject extra = JsonFields.extraKeys(o, p, FIELDS, LOG);
        return new SiglipVisionConfig(
                JsonFields.integer(o, p, "hidden_size", d.hiddenSize),
                JsonFields.integer(o, p, "intermediate_size", d.intermediateSize),
                JsonFields.integer(o, p, "num_hidden_layers", d.numHiddenLayers),
                JsonFields.integer(o, p, "num_attention_heads", d.numAttentionHeads),
                JsonFields.integer(o, p, "num_channels", d.numChannels),
                JsonFields.integer(o, p, "image_size", d.imageSize),
                JsonFields.integer(o, p, "patch_size", d.patchSize),
                JsonFields.string(o, p, "hidden_act", d.hiddenAct),
                JsonFields.number(o, p, "layer_norm_eps", d.layerNormEps),
                JsonFields.number(o, p, "attention_dropout", d.attentionDropout),
                JsonFields.bool(o, p, "vision_use_head", d.visionUseHead),
                extra);
    }

    /** Writes every field (full form) plus the kept extra keys, sorted like HF. */
    public JsonObject toJson() {
        JsonObject o = extra.deepCopy();
        o.add("hidden_size", new JsonPrimitive(hiddenSize));
        o.add("intermediate_size", new JsonPrimitive(intermediateSize));
        o.add("num_hidden_layers", new JsonPrimitive(numHiddenLayers));
        o.add("num_attention_heads", new JsonPrimitive(numAttentionHeads));
        o.add("num_channels", new JsonPrimitive(numChannels));
        o.add("image_size", new JsonPrimitive(imageSize));
        o.add("patch_size", new JsonPrimitive(patchSize));
        o.add("hidden_act", new JsonPrimitive(hiddenAct));
        o.add("layer_norm_eps", new JsonPrimitive(layerNormEps));
        o.add("attention_dropout", new JsonPrimitive(attentionDropout));
        o.add("vision_use_head", new JsonPrimitive(visionUseHead));
        o.add("model_type", new JsonPrimitive(MODEL_TYPE));
        return SiglipConfig.sorted(o);
    }

    /** Copy with another image size (e.g. for interpolated position embeddings at export). */
    public SiglipVisionConfig withImageSize(int size) {
        return new SiglipVisionConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                size, patchSize, hiddenAct, layerNormEps, attentionDropout, visionUseHead, extra);
    }

    /** Copy with or without the MAP pooling head. */
    public SiglipVisionConfig withVisionUseHead(boolean useHead) {
        return new SiglipVisionConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                imageSize, patchSize, hiddenAct, layerNormEps, attentionDropout, useHead, extra);
    }

    /** Copy with another number of layers. */
    public SiglipVisionConfig withNumHiddenLayers(int layers) {
        return new SiglipVisionConfig(hiddenSize, intermediateSize, layers, numAttentionHeads, numChannels,
                imageSize, patchSize, hiddenAct, layerNormEps, attentionDropout, visionUseHead, extra);
    }

    /** Copy with another attention dropout. */
    public SiglipVisionConfig withAttentionDropout(double p) {
        return new SiglipVisionConfig(hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numChannels,
                imageSize, patchSize, hiddenAct, layerNormEps, p, visionUseHead, extra);
    }

    /** Number of parameters of the vision transformer (with the head when {@link #visionUseHead}). */
    public long parameterCount() {
        long d = hiddenSize;
        long n = (long) gridSize() * gridSize();
        long count = (long) numChannels * patchSize * patchSize * d + d + n * d;
        count += numHiddenLayers * ParameterCounts.encoderLayer(d, intermediateSize);
        count += 2 * d;
        if (visionUseHead) {
            count += d + 3 * d * d + 3 * d + d * d + d + 2 * d + ParameterCounts.mlp(d, intermediateSize);
        }
        return count;
    }

    /**
     * Matmul FLOPs of one image through the vision tower at {@link #imageSize}: patch embedding,
     * every encoder layer (q/k/v/out projections, attention scores and values, MLP) and the MAP
     * head when present. Element-wise operations are not counted (see the benchmarks' notes).
     *
     * @return floating-point operations per image (2 per multiply-accumulate)
     */
    public long forwardFlops() {
        long d = hiddenSize;
        long n = numPatches();
        long flops = FlopCounts.matmul(n, (long) numChannels * patchSize * patchSize, d);
        flops += numHiddenLayers * FlopCounts.encoderLayer(n, d, intermediateSize);
        if (visionUseHead) {
            // one probe query attends over the n patches: its q, the k and v of every patch, out
            flops += FlopCounts.matmul(1, d, d) + 2 * FlopCounts.matmul(n, d, d) + 2 * FlopCounts.matmul(1, d, n)
                    + FlopCounts.matmul(1, d, d)
                    + FlopCounts.matmul(1, d, intermediateSize) + FlopCounts.matmul(1, intermediateSize, d);
        }
        return flops;
    }
}
