package org.siglip4j.core.config;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text tower of SigLIP ({@code text_config}, HF {@code SiglipTextConfig}).
 *
 * @param vocabSize rows of the token embedding
 * @param hiddenSize width D of the tower
 * @param intermediateSize width of the MLP
 * @param numHiddenLayers number of encoder layers
 * @param numAttentionHeads heads per attention layer (divides {@code hiddenSize})
 * @param maxPositionEmbeddings longest sequence (64 for the published checkpoints, 16 for So400m/14 224)
 * @param hiddenAct MLP activation
 * @param layerNormEps epsilon of every LayerNorm
 * @param attentionDropout dropout on attention probabilities during training
 * @param padTokenId HF's pad id (1; CLIP leftovers, unused by the model)
 * @param bosTokenId HF's bos id (49406, unused)
 * @param eosTokenId HF's eos id (49407, unused)
 * @param projectionSize output width of the text {@code head} (defaults to {@code hiddenSize})
 * @param extra every other key of the JSON object, kept for the round trip
 */
public record SiglipTextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        String hiddenAct,
        double layerNormEps,
        double attentionDropout,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId,
        int projectionSize,
        JsonObject extra) {

    private static final Logger LOG = LoggerFactory.getLogger(SiglipTextConfig.class);
    /** HF {@code model_type} of a text config. */
    public static final String MODEL_TYPE = "siglip_text_model";
    private static final Set<String> FIELDS = Set.of("vocab_size", "hidden_size", "intermediate_size",
            "num_hidden_layers", "num_attention_heads", "max_position_embeddings", "hidden_act", "layer_norm_eps",
            "attention_dropout", "pad_token_id", "bos_token_id", "eos_token_id", "projection_size", "model_type");

    /** Validates every field. */
    public SiglipTextConfig {
        String p = "text_config.";
        JsonFields.positive(p, "vocab_size", vocabSize);
        JsonFields.checkEncoder(p, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, hiddenAct,
                layerNormEps, attentionDropout);
        JsonFields.positive(p, "max_position_embeddings", maxPositionEmbeddings);
        JsonFields.positive(p, "projection_size", projectionSize);
        double d = hiddenSize;
        ParameterCounts.checkPlausible("text_config", ((double) vocabSize + maxPositionEmbeddings) * d
                + (double) numHiddenLayers * ParameterCounts.encoderLayerEstimate(d, intermediateSize)
                + d * projectionSize);
        extra = extra == null ? new JsonObject() : extra.deepCopy();
    }

    /** HF's class defaults. */
    public static SiglipTextConfig defaults() {
        return new SiglipTextConfig(32000, 768, 3072, 12, 12, 64, "gelu_pytorch_tanh", 1e-6, 0.0, 1, 49406, 49407,
                768, null);
    }

    /** Size of one attention head. */
    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Reads a {@code text_config} object; missing keys take HF's class defaults. */
    public static SiglipTextConfig fromJson(JsonObject o) {
        String p = "text_config.";
        SiglipTextConfig d = defaults();
        JsonObject extra = JsonFields.extraKeys(o, p, FIELDS, LOG);
        int hidden = JsonFields.integer(o, p, "hidden_size", d.hiddenSize);
        return new SiglipTextConfig(
                JsonFields.integer(o, p, "vocab_size", d.vocabSize),
                hidden,
                JsonFields.integer(o, p, "intermediate_size", d.intermediateSize),
                JsonFields.integer(o, p, "num_hidden_layers", d.numHiddenLayers),
                JsonFields.integer(o, p, "num_attention_heads", d.numAttentionHeads),
                JsonFields.integer(o, p, "max_position_embeddings", d.maxPositionEmbeddings),
                JsonFields.string(o, p, "hidden_act", d.hiddenAct),
                JsonFields.number(o, p, "layer_norm_eps", d.layerNormEps),
                JsonFields.number(o, p, "attention_dropout", d.attentionDropout),
                JsonFields.optInteger(o, p, "pad_token_id", d.padTokenId),
                JsonFields.optInteger(o, p, "bos_token_id", d.bosTokenId),
                JsonFields.optInteger(o, p, "eos_token_id", d.eosTokenId),
                JsonFields.integer(o, p, "projection_size", hidden),
                extra);
    }

    /**
     * Writes every field plus the kept extra keys, sorted like HF. {@code projection_size} is only
     * written when it differs from {@code hidden_size}, so v4.45 files round-trip unchanged.
     */
    public JsonObject toJson() {
        JsonObject o = extra.deepCopy();
        o.add("vocab_size", new JsonPrimitive(vocabSize));
        o.add("hidden_size", new JsonPrimitive(hiddenSize));
        o.add("intermediate_size", new JsonPrimitive(intermediateSize));
        o.add("num_hidden_layers", new JsonPrimitive(numHiddenLayers));
        o.add("num_attention_heads", new JsonPrimitive(numAttentionHeads));
        o.add("max_position_embeddings", new JsonPrimitive(maxPositionEmbeddings));
        o.add("hidden_act", new JsonPrimitive(hiddenAct));
        o.add("layer_norm_eps", new JsonPrimitive(layerNormEps));
        o.add("attention_dropout", new JsonPrimitive(attentionDropout));
        o.add("pad_token_id", padTokenId == null ? JsonNull.INSTANCE : new JsonPrimitive(padTokenId));
        o.add("bos_token_id", bosTokenId == null ? JsonNull.INSTANCE : new JsonPrimitive(bosTokenId));
        o.add("eos_token_id", eosTokenId == null ? JsonNull.INSTANCE : new JsonPrimitive(eosTokenId));
        if (projectionSize != hiddenSize) {
            o.add("projection_size", new JsonPrimitive(projectionSize));
        }
        o.add("model_type", new JsonPrimitive(MODEL_TYPE));
        return SiglipConfig.sorted(o);
    }

    /** Copy with another vocabulary size. */
    public SiglipTextConfig withVocabSize(int v) {
        return new SiglipTextConfig(v, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                maxPositionEmbeddings, hiddenAct, layerNormEps, attentionDropout, padTokenId, bosTokenId, eosTokenId,
                projectionSize, extra);
    }

    /** Copy with another maximum sequence length. */
    public SiglipTextConfig withMaxPositionEmbeddings(int n) {
        return new SiglipTextConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                n, hiddenAct, layerNormEps, attentionDropout, padTokenId, bosTokenId, eosTokenId, projectionSize,
                extra);
    }

    /** Copy with another number of layers. */
    public SiglipTextConfig withNumHiddenLayers(int layers) {
        return new SiglipTextConfig(vocabSize, hiddenSize, intermediateSize, layers, numAttentionHeads,
                maxPositionEmbeddings, hiddenAct, layerNormEps, attentionDropout, padTokenId, bosTokenId, eosTokenId,
                projectionSize, extra);
    }

    /** Copy with another attention dropout. */
    public SiglipTextConfig withAttentionDropout(double p) {
        return new SiglipTextConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                maxPositionEmbeddings, hiddenAct, layerNormEps, p, padTokenId, bosTokenId, eosTokenId, projectionSize,
                extra);
    }

    /** Copy with another projection size (text head output width). */
    public SiglipTextConfig withProjectionSize(int n) {
        return new SiglipTextConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                maxPositionEmbeddings, hiddenAct, layerNormEps, attentionDropout, padTokenId, bosTokenId, eosTokenId,
                n, extra);
    }

    /** Number of parameters of the text transformer. */
    public long parameterCount() {
        long d = hiddenSize;
        long count = (long) vocabSize * d + (long) maxPositionEmbeddings * d;
        count += numHiddenLayers * ParameterCounts.encoderLayer(d, intermediateSize);
        count += 2 * d;
        count += d * projectionSize + projectionSize;
        return count;
    }


    /**
     * Matmul FLOPs of one text of {@code tokens} tokens through the text tower: every encoder layer
     * and the head on the last token. Embedding lookups and element-wise operations are not counted.
     *
     * @param tokens sequence length (the tokenizer pads to {@code max_position_embeddings})
     * @return floating-point operations per text (2 per multiply-accumulate)
     */
    public long forwardFlops(int tokens) {
        return numHiddenLayers * FlopCounts.encoderLayer(tokens, hiddenSize, intermediateSize)
                + FlopCounts.matmul(1, hiddenSize, projectionSize);
    }
}
