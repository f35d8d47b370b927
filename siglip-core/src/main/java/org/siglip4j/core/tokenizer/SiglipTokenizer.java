package org.siglip4j.core.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;

/**
 * HF's {@code SiglipTokenizer} called as {@code tokenizer(texts, padding="max_length",
 * truncation=True)}: every row has exactly {@code model_max_length} ids, ends in {@code </s>}, and
 * is right-padded with {@code </s>} (id 1). Runs on DJL's binding of the Rust {@code tokenizers}
 * library (batch encoding is multi-threaded natively).
 *
 * <p>Thread-safe. Holds a native handle: {@link #close()} it (or use try-with-resources).
 */
public final class SiglipTokenizer implements AutoCloseable {
    /** SigLIP's text length when {@code tokenizer_config.json} gives none. */
    public static final int DEFAULT_MAX_LENGTH = 64;

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;

    private SiglipTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, long padId) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = padId;
    }

    /**
     * Loads the tokenizer of a model folder: {@code tokenizer.json} when present, else a
     * conversion of {@code spiece.model} ({@link SentencePieceConverter}, in memory); settings from
     * {@code tokenizer_config.json} ({@code model_max_length}, default 64; {@code do_lower_case},
     * default true; used only when converting).
     *
     * @param dir a model folder
     * @return the tokenizer
     * @throws SiglipException if neither file exists or one is invalid
     */
    public static SiglipTokenizer load(Path dir) {
        JsonObject config = readConfig(dir.resolve("tokenizer_config.json"));
        int maxLength = DEFAULT_MAX_LENGTH;
        boolean lowercase = true;
        if (config != null) {
            JsonElement m = config.get("model_max_length");
            // HF writes a huge sentinel (int(1e30)) when no length is known: keep SigLIP's 64 then
            if (m != null && m.isJsonPrimitive() && m.getAsJsonPrimitive().isNumber()) {
                double v = m.getAsDouble();
                if (v >= 1 && v <= 1_000_000) {
                    maxLength = (int) v;
                }
            }
            JsonElement lc = config.get("do_lower_case");
            if (lc != null && lc.isJsonPrimitive() && lc.getAsJsonPrimitive().isBoolean()) {
                lowercase = lc.getAsBoolean();
            }
        }
        Path json = dir.resolve("tokenizer.json");
        Path spiece = dir.resolve("spiece.model");
        String text;
        if (Files.isRegularFile(json)) {
            try {
                text = Files.readString(json);
            } catch (IOException e) {
                throw new SiglipException("cannot read " + json + ": " + e, e);
            }
        } else if (Files.isRegularFile(spiece)) {
            SentencePieceModel model = SentencePieceModel.load(spiece);
            text = SentencePieceConverter.toJsonString(SentencePieceConverter.convert(model, maxLength, lowercase));
        } else {
            throw new SiglipException("no tokenizer in " + dir + ": expected tokenizer.json or spiece.model");
        }
        return fromJson(text, maxLength, json.toString());
    }

    /**
     * Creates a tokenizer from {@code tokenizer.json} text.
     *
     * @param tokenizerJson the JSON text
     * @param maxLength the fixed row length
     * @param source a name for error messages
     * @return the tokenizer
     */
    public static SiglipTokenizer fromJson(String tokenizerJson, int maxLength, String source) {
        if (maxLength < 1) {
            throw new SiglipException("max length must be at least 1, got " + maxLength);
        }
        JsonObject root = parseRoot(tokenizerJson, source);
        long padId;
        try {
            padId = padIdOf(root, source);
            checkPrecompiled(root.get("normalizer"), source);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException e) {
            throw new SiglipException(source + ": malformed tokenizer.json (" + e.getMessage() + ")", e);
        }
        if (!root.has("padding") || !root.get("padding").isJsonObject()) {
            // without a padding block the Rust library pads with id 0; SigLIP pads with </s>
            tokenizerJson = withPadding(root, padId, maxLength);
        }
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "padding", "max_length",
                "truncation", "true",
                "maxLength", Integer.toString(maxLength),
                "modelMaxLength", Integer.toString(maxLength));
        try {
            HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
            return new SiglipTokenizer(t, maxLength, padId);
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot create a tokenizer from " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * Validates every {@code Precompiled} normaliser's charsmap in Java: the Rust library indexes
     * it unchecked and a panic there aborts the JVM.
     */
    private static void checkPrecompiled(JsonElement normalizer, String source) {
        if (normalizer == null || !normalizer.isJsonObject()) {
            return;
        }
        JsonObject o = normalizer.getAsJsonObject();
        JsonElement type = o.get("type");
        if (type != null && type.isJsonPrimitive() && "Precompiled".equals(type.getAsString())) {
            JsonElement cm = o.get("precompiled_charsmap");
            if (cm == null || !cm.isJsonPrimitive()) {
                throw new SiglipException(source + ": Precompiled normalizer without a precompiled_charsmap string");
            }
            byte[] bytes;
            try {
                bytes = java.util.Base64.getDecoder().decode(cm.getAsString());
            } catch (IllegalArgumentException e) {
                throw new SiglipException(source + ": precompiled_charsmap is not base64: " + e.getMessage(), e);
            }
            if (bytes.length == 0) {
                throw new SiglipException(source + ": precompiled_charsmap is empty");
            }
            PrecompiledCharsmap.validate(bytes, source);
        }
        JsonElement list = o.get("normalizers");
        if (list != null && list.isJsonArray()) {
            for (JsonElement e : list.getAsJsonArray()) {
                checkPrecompiled(e, source);
            }
        }
    }

    private static JsonObject parseRoot(String text, String source) {
        try {
            return JsonParser.parseString(text).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new SiglipException(source + " is not a tokenizer.json object: " + e.getMessage(), e);
        }
    }

    private static String withPadding(JsonObject root, long padId, int maxLength) {
        root.add("padding", SentencePieceConverter.fixedPadding(padId, "</s>", maxLength));
        return new com.google.gson.GsonBuilder().serializeNulls().create().toJson(root);
    }

    /** The pad id of the JSON's padding block, else the id of {@code </s>} among its added tokens. */
    private static long padIdOf(JsonObject root, String source) {
        JsonElement padding = root.get("padding");
        if (padding != null && padding.isJsonObject() && padding.getAsJsonObject().has("pad_id")) {
            return padding.getAsJsonObject().get("pad_id").getAsLong();
        }
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement e : added.getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                if ("</s>".equals(o.get("content").getAsString())) {
                    return o.get("id").getAsLong();
                }
            }
        }
        throw new SiglipException(source + ": no padding.pad_id and no </s> added token; cannot pad like SigLIP");
    }

    private static JsonObject readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new SiglipException(file + " must hold a JSON object");
            }
            return e.getAsJsonObject();
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e, e);
        } catch (JsonParseException e) {
            throw new SiglipException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** @return the fixed number of ids per text ({@code model_max_length}) */
    public int maxLength() {
        return maxLength;
    }

    /** @return the padding id ({@code </s>} = 1 for SigLIP) */
    public long padId() {
        return padId;
    }

    /**
     * Tokenises one text.
     *
     * @param text any text
     * @return {@link #maxLength()} ids
     */
    public long[] encode(String text) {
        return encode(List.of(text))[0];
    }

    /**
     * Tokenises a batch.
     *
     * @param texts texts
     * @return {@code [texts.size()][maxLength]} ids
     */
    public long[][] encode(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] out = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            out[i] = checkLength(encodings[i].getIds());
        }
        return out;
    }

    /**
     * Tokenises a batch into {@code input_ids}.
     *
     * @param texts texts
     * @param manager the manager that will own the result
     * @return int64 {@code [N, maxLength]}
     */
    public NDArray encode(List<String> texts, NDManager manager) {
        if (texts.isEmpty()) {
            throw new SiglipException("no texts to tokenize (empty batch)");
        }
        long[][] ids = encode(texts);
        long[] flat = new long[ids.length * maxLength];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, flat, i * maxLength, maxLength);
        }
        return manager.create(flat, new Shape(ids.length, maxLength));
    }

    /**
     * The pieces of a text as the model sees them (before padding), e.g. for debugging.
     *
     * @param text any text
     * @return the token strings including the final {@code </s>}
     */
    public List<String> tokenize(String text) {
        Encoding e = tokenizer.encode(text);
        String[] tokens = e.getTokens();
        long[] mask = e.getAttentionMask();
        int n = 0;
        while (n < tokens.length && mask[n] != 0) {
            n++;
        }
        return List.of(tokens).subList(0, n);
    }

    /** The native padding and truncation produce exactly maxLength ids; anything else is a bug. */
    private long[] checkLength(long[] ids) {
        if (ids.length != maxLength) {
            throw new SiglipException("tokenizer produced " + ids.length + " ids, expected " + maxLength
                    + " (padding/truncation of tokenizer.json not applied)");
        }
        return ids;
    }

    /**
     * Decodes ids back to text (special tokens skipped).
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
