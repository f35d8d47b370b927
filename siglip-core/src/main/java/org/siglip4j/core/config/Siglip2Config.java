package org.siglip4j.core.config;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;
import org.siglip4j.core.io.ConfigFiles;

/**
 * A SigLIP 2 NaFlex configuration ({@code Siglip2Config}, {@code model_type siglip2}). The text
 * tower has SigLIP's fields ({@code siglip2_text_model}); the vision tower is a
 * {@link Siglip2VisionConfig}. FixRes SigLIP 2 checkpoints are {@code model_type siglip} and load
 * as a {@link SiglipConfig}.
 *
 * @param textConfig the text tower
 * @param visionConfig the NaFlex vision tower
 * @param json the whole {@code config.json} as read (written back by {@code save})
 */
public record Siglip2Config(SiglipTextConfig textConfig, Siglip2VisionConfig visionConfig, JsonObject json) {
    /** HF {@code model_type} of SigLIP 2 NaFlex. */
    public static final String MODEL_TYPE = "siglip2";

    /** Validates the towers and copies the JSON. */
    public Siglip2Config {
        if (textConfig == null || visionConfig == null) {
            throw new SiglipException("config.json: text_config and vision_config are required");
        }
        json = json == null ? new JsonObject() : json.deepCopy();
    }

    /** @return the JSON (a copy) */
    @Override
    public JsonObject json() {
        return json.deepCopy();
    }

    /** Whether a model folder's {@code config.json} says {@code model_type: siglip2}. */
    public static boolean isSiglip2(Path dir) {
        return SiglipConfig.modelType(dir).filter(MODEL_TYPE::equals).isPresent();
    }

    /** Reads {@code config.json} from a file or a model folder. */
    public static Siglip2Config load(Path path) {
        return ConfigFiles.parse(path, "config.json", Siglip2Config::fromJson);
    }

    /** Parses the text of a {@code config.json}. */
    public static Siglip2Config fromJson(String text) {
        JsonObject o;
        try {
            JsonElement root = BoundedJson.parse(text, "config.json");
            if (!root.isJsonObject()) {
                throw new SiglipException("config.json must hold a JSON object, got " + root);
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new SiglipException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        String type = JsonFields.string(o, "", "model_type", null);
        if (!MODEL_TYPE.equals(type)) {
            throw new SiglipException("config.json: model_type is '" + type + "', expected 'siglip2' (NaFlex)");
        }
        JsonObject text0 = o.has("text_config") && o.get("text_config").isJsonObject()
                ? o.getAsJsonObject("text_config") : new JsonObject();
        JsonObject vision = o.has("vision_config") && o.get("vision_config").isJsonObject()
                ? o.getAsJsonObject("vision_config") : new JsonObject();
        return new Siglip2Config(SiglipTextConfig.fromJson(text0), Siglip2VisionConfig.fromJson(vision), o);
    }

    /**
     * The published NaFlex checkpoints: {@code base-patch16-naflex} and {@code so400m-patch16-naflex}
     * (also as {@code google/siglip2-<name>}): Gemma's 256,000-token vocabulary, 64 text positions,
     * a 16 x 16 position table of 16-pixel patches.
     *
     * @param name short name or hub id
     * @return the configuration
     */
    public static Siglip2Config preset(String name) {
        String key = name.startsWith("google/siglip2-") ? name.substring("google/siglip2-".length()) : name;
        return switch (key) {
            case "base-patch16-naflex" -> naflex(768, 3072, 12, 12);
            case "so400m-patch16-naflex" -> naflex(1152, 4304, 27, 16);
            default -> throw new SiglipException("unknown SigLIP 2 NaFlex preset '" + name
                    + "'; known: base-patch16-naflex, so400m-patch16-naflex");
        };
    }

    private static Siglip2Config naflex(int d, int mlp, int layers, int heads) {
        SiglipTextConfig text = new SiglipTextConfig(256_000, d, mlp, layers, heads, 64, "gelu_pytorch_tanh", 1e-6,
                0.0, 1, 49406, 49407, d, null);
        Siglip2VisionConfig vision = new Siglip2VisionConfig(d, mlp, layers, heads, 3, 256, 16, "gelu_pytorch_tanh",
                1e-6, 0.0);
        JsonObject json = new JsonObject();
        json.addProperty("model_type", MODEL_TYPE);
        JsonObject t = text.toJson();
        t.addProperty("model_type", "siglip2_text_model");
        json.add("text_config", t);
        JsonObject v = new JsonObject();
        v.addProperty("hidden_size", d);
        v.addProperty("intermediate_size", mlp);
        v.addProperty("num_hidden_layers", layers);
        v.addProperty("num_attention_heads", heads);
        v.addProperty("num_patches", 256);
        v.addProperty("patch_size", 16);
        v.addProperty("model_type", Siglip2VisionConfig.MODEL_TYPE);
        json.add("vision_config", v);
        return new Siglip2Config(text, vision, json);
    }

    /**
     * Parameters of the whole model: a NaFlex tower has as many as the SigLIP tower of
     * {@link #asSiglipConfig()} (its Linear patch embedding holds the Conv2d's C*p*p*D weights).
     */
    public long parameterCount() {
        return asSiglipConfig().parameterCount();
    }

    /**
     * The SigLIP config with the same text tower and the vision blocks' shapes, which the shared
     * blocks (text transformer, encoder, MAP head) are built from.
     */
    public SiglipConfig asSiglipConfig() {
        return SiglipConfig.of(textConfig, visionConfig.asSiglipVisionConfig());
    }
}
