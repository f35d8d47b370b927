package org.siglip4j.core.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;

/** Typed, validated access to config.json fields; every error names the field and what came. */
final class JsonFields {
    private JsonFields() {}

    /**
     * The keys of {@code o} outside {@code fields}, deep-copied so they are written back unchanged;
     * keys that are neither fields nor {@link GenericKeys} are logged to {@code log} as unknown.
     */
    static JsonObject extraKeys(JsonObject o, String prefix, Set<String> fields, Logger log) {
        JsonObject extra = new JsonObject();
        for (String k : o.keySet()) {
            if (!fields.contains(k)) {
                extra.add(k, o.get(k).deepCopy());
                if (!GenericKeys.KEYS.contains(k)) {
                    log.warn("config.json: unknown key {}{} kept as is", prefix, k);
                }
            }
        }
        return extra;
    }

    static boolean has(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    static int integer(JsonObject o, String prefix, String key, int dflt) {
        if (!has(o, key)) {
            return dflt;
        }
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new SiglipException("config.json: " + prefix + key + " must be an integer, got " + e);
        }
        double d = e.getAsDouble();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new SiglipException("config.json: " + prefix + key + " must be an integer, got " + e);
        }
        return (int) d;
    }

    static Integer optInteger(JsonObject o, String prefix, String key, Integer dflt) {
        if (!o.has(key)) {
            return dflt;
        }
        if (o.get(key).isJsonNull()) {
            return null;
        }
        return integer(o, prefix, key, 0);
    }

    static double number(JsonObject o, String prefix, String key, double dflt) {
        if (!has(o, key)) {
            return dflt;
        }
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new SiglipException("config.json: " + prefix + key + " must be a number, got " + e);
        }
        return e.getAsDouble();
    }

    static String string(JsonObject o, String prefix, String key, String dflt) {
        if (!has(o, key)) {
            return dflt;
        }
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new SiglipException("config.json: " + prefix + key + " must be a string, got " + e);
        }
        return e.getAsString();
    }

    static boolean bool(JsonObject o, String prefix, String key, boolean dflt) {
        if (!has(o, key)) {
            return dflt;
        }
        JsonElement e = o.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw new SiglipException("config.json: " + prefix + key + " must be true or false, got " + e);
        }
        return e.getAsBoolean();
    }

    static void positive(String prefix, String key, long value) {
        if (value <= 0) {
            throw new SiglipException("config.json: " + prefix + key + " must be positive, got " + value);
        }
    }

    static void checkEps(String prefix, double eps) {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new SiglipException("config.json: " + prefix + "layer_norm_eps must be a positive number, got " + eps);
        }
    }

    static void checkDropout(String prefix, double p) {
        if (!(p >= 0 && p < 1)) {
            throw new SiglipException("config.json: " + prefix + "attention_dropout must be in [0, 1), got " + p);
        }
    }

    /**
     * The checks every transformer tower's config shares (text, SigLIP and SigLIP 2 vision):
     * positive sizes, a width the heads divide, a known activation, a usable epsilon and dropout.
     */
    static void checkEncoder(String prefix, int hiddenSize, int intermediateSize, int numHiddenLayers,
            int numAttentionHeads, String hiddenAct, double layerNormEps, double attentionDropout) {
        positive(prefix, "hidden_size", hiddenSize);
        positive(prefix, "intermediate_size", intermediateSize);
        positive(prefix, "num_hidden_layers", numHiddenLayers);
        positive(prefix, "num_attention_heads", numAttentionHeads);
        checkHeads(prefix, hiddenSize, numAttentionHeads);
        checkAct(prefix, hiddenAct);
        checkEps(prefix, layerNormEps);
        checkDropout(prefix, attentionDropout);
    }

    static void checkHeads(String prefix, int hidden, int heads) {
        if (hidden % heads != 0) {
            throw new SiglipException("config.json: " + prefix + "hidden_size: expected hidden size " + hidden
                    + " divisible by " + heads + " heads (" + prefix + "num_attention_heads)");
        }
    }

    static void checkAct(String prefix, String act) {
        if (!SiglipVisionConfig.SUPPORTED_ACTIVATIONS.contains(act)) {
            throw new SiglipException("config.json: " + prefix + "hidden_act '" + act + "' is not supported; expected one of "
                    + SiglipVisionConfig.SUPPORTED_ACTIVATIONS);
        }
    }

    static JsonPrimitive num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? new JsonPrimitive((long) d) : new JsonPrimitive(d);
    }
}
