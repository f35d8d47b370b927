package org.siglip4j.core.config;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.io.BoundedJson;
import org.siglip4j.core.io.ConfigFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole SigLIP model configuration ({@code config.json} of a Hugging Face SigLIP folder).
 *
 * @param textConfig the text tower
 * @param visionConfig the vision tower
 * @param modelType always {@code siglip}
 * @param architectures HF class names ({@code SiglipModel}, {@code SiglipForImageClassification}, ...)
 * @param id2label class names of a classification head, by index (HF default: LABEL_0, LABEL_1)
 * @param initializerFactor HF initialisation scale
 * @param torchDtype dtype the weights were saved in ({@code float32}, {@code bfloat16}, ...) or null
 * @param extra every other top-level key, kept for the round trip
 */
public record SiglipConfig(
        SiglipTextConfig textConfig,
        SiglipVisionConfig visionConfig,
        String modelType,
        List<String> architectures,
        Map<Integer, String> id2label,
        double initializerFactor,
        String torchDtype,
        JsonObject extra) {

    private static final Logger LOG = LoggerFactory.getLogger(SiglipConfig.class);
    /**
     * Largest {@code num_labels} accepted without an {@code id2label} (ImageNet-21k has 21,843). The
     * default names are built eagerly (about 200 bytes each), so a 200-byte file asking for a million
     * took 200 MB; more classes than this are given by name in {@code id2label}, which the file's size
     * then pays for.
     */
    public static final int MAX_LABELS = 100_000;
    /** HF {@code model_type} of SigLIP. */
    public static final String MODEL_TYPE = "siglip";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping()
            .serializeNulls().create();
    private static final Set<String> FIELDS = Set.of("text_config", "vision_config", "model_type", "architectures",
            "id2label", "label2id", "num_labels", "initializer_factor", "torch_dtype");

    /** Validates the configuration. */
    public SiglipConfig {
        if (textConfig == null || visionConfig == null) {
            throw new SiglipException("config.json: text_config and vision_config are required");
        }
        if (!MODEL_TYPE.equals(modelType)) {
            throw new SiglipException("config.json: model_type must be 'siglip', got '" + modelType + "'");
        }
        architectures = architectures == null ? List.of() : List.copyOf(architectures);
        if (id2label == null) {
            id2label = Map.of(0, "LABEL_0", 1, "LABEL_1");
        }
        TreeMap<Integer, String> labels = new TreeMap<>(id2label);
        for (int i = 0; i < labels.size(); i++) {
            if (!labels.containsKey(i)) {
                throw new SiglipException("config.json: id2label must have the keys 0.." + (labels.size() - 1)
                        + ", got " + labels.keySet());
            }
        }
        id2label = Collections.unmodifiableMap(labels);
        if (!(initializerFactor > 0)) {
            throw new SiglipException("config.json: initializer_factor must be positive, got " + initializerFactor);
        }
        extra = extra == null ? new JsonObject() : extra.deepCopy();
    }

    /** A config of the two towers with HF's defaults elsewhere. */
    public static SiglipConfig of(SiglipTextConfig text, SiglipVisionConfig vision) {
        return new SiglipConfig(text, vision, MODEL_TYPE, List.of("SiglipModel"), null, 1.0, "float32", null);
    }

    /** A named preset of a published checkpoint; see {@link SiglipPresets}. */
    public static SiglipConfig preset(String name) {
        return SiglipPresets.get(name);
    }

    /** Number of labels of a classification head ({@code id2label.size()}). */
    public int numLabels() {
        return id2label.size();
    }

    /** {@code label2id}, the inverse of {@link #id2label}. */
    public Map<String, Integer> label2id() {
        Map<String, Integer> m = new TreeMap<>();
        id2label.forEach((i, l) -> m.put(l, i));
        return m;
    }

    /**
     * The {@code model_type} of a model folder's (or a file's) {@code config.json}, for telling
     * architectures apart before loading. Never throws: a missing, unreadable or malformed file has
     * none (the real loader reports what is wrong with it).
     *
     * @param path a model folder or its {@code config.json}
     * @return the model type, or empty
     */
    public static Optional<String> modelType(Path path) {
        Path file = ConfigFiles.locate(path, "config.json");
        try {
            JsonElement root = BoundedJson.parse(Files.readString(file), file.toString());
            JsonElement type = root.isJsonObject() ? root.getAsJsonObject().get("model_type") : null;
            return type != null && type.isJsonPrimitive() ? Optional.of(type.getAsString())
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Reads {@code config.json} from a file or a model folder. */
    public static SiglipConfig load(Path path) {
        return ConfigFiles.parse(path, "config.json", SiglipConfig::fromJson);
    }

    /** Parses the text of a {@code config.json}. */
    public static SiglipConfig fromJson(String json) {
        try {
            return parse(json);
        } catch (SiglipException e) {
            throw e;
        } catch (RuntimeException e) {
            // the last line of defence: whatever a hostile file still provokes is reported as ours
            throw new SiglipException("config.json: cannot be read (" + e.getClass().getSimpleName() + ": "
                    + BoundedJson.firstLine(e) + ")", e);
        }
    }

    private static SiglipConfig parse(String json) {
        JsonElement root = BoundedJson.parse(json, "config.json");
        if (!root.isJsonObject()) {
            throw new SiglipException("config.json must hold a JSON object, got " + root);
        }
        JsonObject o = root.getAsJsonObject();
        String modelType = JsonFields.string(o, "", "model_type", null);
        if (modelType == null) {
            LOG.warn("config.json has no model_type; assuming siglip");
            modelType = MODEL_TYPE;
        }
        if (!MODEL_TYPE.equals(modelType)) {
            String hint = switch (modelType) {
                case "clip" -> "this is a CLIP checkpoint (softmax-contrastive CLIP, not SigLIP)";
                case "siglip2" -> "this is a SigLIP 2 NaFlex checkpoint: load it with Siglip2Model";
                case "siglip_vision_model", "siglip_text_model" ->
                        "this is a single-tower config; a full SigLIP config with text_config and vision_config is needed";
                default -> "this is not a SigLIP checkpoint";
            };
            throw new SiglipException("config.json: model_type is '" + modelType + "', expected 'siglip': " + hint);
        }
        JsonObject text = object(o, "text_config");
        JsonObject vision = object(o, "vision_config");
        JsonObject extra = JsonFields.extraKeys(o, "", FIELDS, LOG);
        List<String> architectures = new ArrayList<>();
        if (JsonFields.has(o, "architectures")) {
            if (!o.get("architectures").isJsonArray()) {
                throw new SiglipException("config.json: architectures must be a list of strings, got "
                        + o.get("architectures"));
            }
            for (JsonElement e : o.getAsJsonArray("architectures")) {
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw new SiglipException("config.json: architectures must be a list of strings, got "
                            + o.get("architectures"));
                }
                architectures.add(e.getAsString());
            }
        }
        return new SiglipConfig(
                SiglipTextConfig.fromJson(text),
                SiglipVisionConfig.fromJson(vision),
                modelType,
                architectures,
                labels(o),
                JsonFields.number(o, "", "initializer_factor", 1.0),
                JsonFields.string(o, "", "torch_dtype", null),
                extra);
    }

    private static JsonObject object(JsonObject o, String key) {
        if (!JsonFields.has(o, key)) {
            return new JsonObject();
        }
        if (!o.get(key).isJsonObject()) {
            throw new SiglipException("config.json: " + key + " must be a JSON object, got " + o.get(key));
        }
        return o.getAsJsonObject(key);
    }

    private static Map<Integer, String> labels(JsonObject o) {
        if (JsonFields.has(o, "id2label")) {
            if (!o.get("id2label").isJsonObject()) {
                throw new SiglipException("config.json: id2label must be an object {\"0\": \"name\", ...}");
            }
            Map<Integer, String> m = new TreeMap<>();
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("id2label").entrySet()) {
                int k;
                try {
                    k = Integer.parseInt(e.getKey());
                } catch (NumberFormatException ex) {
                    throw new SiglipException("config.json: id2label key '" + e.getKey() + "' is not an integer");
                }
                if (!e.getValue().isJsonPrimitive()) {
                    throw new SiglipException("config.json: id2label." + e.getKey() + " must be a label name, got "
                            + e.getValue());
                }
                m.put(k, e.getValue().getAsString());
            }
            if (JsonFields.has(o, "num_labels") && JsonFields.integer(o, "", "num_labels", 0) != m.size()) {
                throw new SiglipException("config.json: num_labels " + o.get("num_labels") + " does not match the "
                        + m.size() + " entries of id2label");
            }
            return m;
        }
        if (JsonFields.has(o, "num_labels")) {
            int n = JsonFields.integer(o, "", "num_labels", 2);
            JsonFields.positive("", "num_labels", n);
            // a lying count would otherwise allocate billions of default names
            if (n > MAX_LABELS) {
                throw new SiglipException("config.json: num_labels " + n + " is more than " + MAX_LABELS
                        + "; give the classes in id2label");
            }
            Map<Integer, String> m = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                m.put(i, "LABEL_" + i);
            }
            return m;
        }
        return null;
    }

    /** The full-form JSON text (every field, keys sorted, 2-space indent like HF). */
    public String toJson() {
        JsonObject o = extra.deepCopy();
        o.add("text_config", textConfig.toJson());
        o.add("vision_config", visionConfig.toJson());
        o.add("model_type", new JsonPrimitive(modelType));
        JsonArray arch = new JsonArray();
        architectures.forEach(arch::add);
        o.add("architectures", arch);
        JsonObject id2 = new JsonObject();
        id2label.forEach((i, l) -> id2.addProperty(String.valueOf(i), l));
        o.add("id2label", id2);
        JsonObject l2i = new JsonObject();
        label2id().forEach(l2i::addProperty);
        o.add("label2id", l2i);
        o.add("initializer_factor", new JsonPrimitive(initializerFactor));
        if (torchDtype != null) {
            o.add("torch_dtype", new JsonPrimitive(torchDtype));
        }
        return GSON.toJson(sorted(o)) + "\n";
    }

    /** Writes {@code config.json} atomically (temporary file, then rename) to a file or folder. */
    public void save(Path path) {
        Path file = ConfigFiles.locate(path, "config.json");
        writeAtomically(file, toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Copy with other towers. */
    public SiglipConfig withTowers(SiglipTextConfig text, SiglipVisionConfig vision) {
        return new SiglipConfig(text, vision, modelType, architectures, id2label, initializerFactor, torchDtype, extra);
    }

    /** Copy with other labels (for {@code SiglipForImageClassification}). */
    public SiglipConfig withId2label(Map<Integer, String> labels) {
        return new SiglipConfig(textConfig, visionConfig, modelType, architectures, labels, initializerFactor,
                torchDtype, extra);
    }

    /** Copy with other architectures. */
    public SiglipConfig withArchitectures(List<String> archs) {
        return new SiglipConfig(textConfig, visionConfig, modelType, archs, id2label, initializerFactor, torchDtype,
                extra);
    }

    /** Copy with another torch_dtype entry. */
    public SiglipConfig withTorchDtype(String dtype) {
        return new SiglipConfig(textConfig, visionConfig, modelType, architectures, id2label, initializerFactor, dtype,
                extra);
    }

    /** Parameters of a {@code SiglipModel} of this config (both towers + logit scale and bias). */
    public long parameterCount() {
        return textConfig.parameterCount() + visionConfig.parameterCount() + 2;
    }

    /**
     * Parameters of a {@code SiglipForImageClassification}: the whole vision tower (HF keeps the
     * unused MAP head) plus the classifier.
     */
    public long classificationParameterCount() {
        long d = visionConfig.hiddenSize();
        return visionConfig.parameterCount() + d * numLabels() + numLabels();
    }

    static JsonObject sorted(JsonObject o) {
        JsonObject s = new JsonObject();
        new TreeMap<>(o.asMap()).forEach(s::add);
        return s;
    }

    /** Writes bytes to {@code file} through a temporary sibling and an atomic rename ({@link AtomicFiles#write}). */
    public static void writeAtomically(Path file, byte[] bytes) {
        AtomicFiles.write(file, bytes);
    }
}
