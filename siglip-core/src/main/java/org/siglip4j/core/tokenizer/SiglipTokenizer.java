package org.siglip4j.core.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;

/**
 * HF's {@code SiglipTokenizer} called as {@code tokenizer(texts, padding="max_length",
 * truncation=True)}: every row has exactly {@code model_max_length} ids, ends in {@code </s>}, and
 * is right-padded with {@code </s>} (id 1).
 *
 * <p>Encoding reproduces HF's slow tokenizer (Python sentencepiece plus big_vision's
 * canonicalisation) id for id in pure Java ({@link SentencePieceSiglipEncoder}: sentencepiece's normaliser
 * and Unigram Viterbi, large batches split over the cores). The Rust {@code tokenizers} library
 * (DJL's binding) is only used for {@link #decode}, created on first use, and for encoding a
 * {@code tokenizer.json} that is not a SigLIP conversion of a sentencepiece model.
 *
 * <p>Thread-safe. May hold a native handle: {@link #close()} it (or use try-with-resources).
 */
public final class SiglipTokenizer implements AutoCloseable {
    /** HF's tokenizer class of SigLIP 2 that lower-cases before the Gemma tokenizer. */
    public static final String SIGLIP2_TOKENIZER = "Siglip2Tokenizer";
    /** SigLIP's text length when {@code tokenizer_config.json} gives none. */
    public static final int DEFAULT_MAX_LENGTH = 64;

    /** The pure-Java encoder, or null when the Rust library encodes. */
    private final SentencePieceSiglipEncoder encoder;
    /** The tokenizer.json text for the Rust library (made on demand for a spiece.model). */
    private final Supplier<String> rustJson;
    private final String source;
    private final int maxLength;
    private final long padId;
    private HuggingFaceTokenizer rust;
    private boolean closed;

    private SiglipTokenizer(SentencePieceSiglipEncoder encoder, HuggingFaceTokenizer rust, Supplier<String> rustJson,
            String source, int maxLength, long padId) {
        this.encoder = encoder;
        this.rust = rust;
        this.rustJson = rustJson;
        this.source = source;
        this.maxLength = maxLength;
        this.padId = padId;
    }

    /**
     * Loads the tokenizer of a model folder: {@code spiece.model} when present (the file HF's slow
     * tokenizer reads), else {@code tokenizer.json}; settings from {@code tokenizer_config.json}
     * ({@code model_max_length}, default 64; {@code do_lower_case}, default true).
     *
     * <p>SigLIP 2 folders ship Gemma's {@code tokenizer.json} (BPE with byte fallback, {@code <eos>}
     * appended by its post-processor) and no {@code spiece.model}: they are encoded by the Rust
     * library as the file says, padded with {@code tokenizer_config.json}'s {@code pad_token}
     * ({@code <pad>}) on {@code padding_side} (HF's default for these classes: left), and
     * lower-cased first exactly when {@code tokenizer_class} is {@value #SIGLIP2_TOKENIZER}, as
     * transformers' {@code AutoTokenizer} does (a folder that says {@code GemmaTokenizer} gets HF's
     * {@code GemmaTokenizer}, which does not lower-case).
     *
     * @param dir a model folder
     * @return the tokenizer
     * @throws SiglipException if neither file exists or one is invalid
     */
    public static SiglipTokenizer load(Path dir) {
        try {
            return load(dir, true);
        } catch (SiglipException e) {
            throw e;
        } catch (RuntimeException e) {
            // the last line of defence: whatever a hostile file still provokes is reported as ours
            throw new SiglipException("cannot load the tokenizer of " + dir + ": " + e.getClass().getSimpleName() + ": " + BoundedJson.firstLine(e), e);
        }
    }

    /** {@link #load}, optionally with the Rust library encoding (to compare the two). */
    static SiglipTokenizer load(Path dir, boolean allowJava) {
        JsonObject config = readConfig(dir.resolve("tokenizer_config.json"));
        int maxLength = DEFAULT_MAX_LENGTH;
        boolean lowercase = true;
        String tokenizerClass = null;
        String padToken = null;
        String paddingSide = null;
        if (config != null) {
            tokenizerClass = stringOf(config.get("tokenizer_class"));
            padToken = tokenContent(config.get("pad_token"));
            paddingSide = stringOf(config.get("padding_side"));
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
        if (Files.isRegularFile(spiece)) {
            SentencePieceModel model = SentencePieceModel.load(spiece);
            boolean lower = lowercase;
            int max = maxLength;
            Supplier<String> rustJson = Files.isRegularFile(json) ? () -> readText(json)
                    : () -> SentencePieceConverter.toJsonString(SentencePieceConverter.convert(model, max, lower));
            if (allowJava) {
                SentencePieceSiglipEncoder encoder =
                        new SentencePieceSiglipEncoder(model, lowercase, maxLength, spiece.toString());
                return new SiglipTokenizer(encoder, null, rustJson, spiece.toString(), maxLength, encoder.padId());
            }
            return fromJson(rustJson.get(), maxLength, (Files.isRegularFile(json) ? json : spiece).toString(), false);
        }
        if (Files.isRegularFile(json)) {
            String text = readText(json);
            if (isGemma(tokenizerClass)) {
                text = asHfGemma(parseRoot(text, json.toString()), tokenizerClass, padToken, paddingSide, maxLength,
                        json.toString());
            }
            return fromJson(text, maxLength, json.toString(), allowJava, padToken);
        }
        if (isGemma(tokenizerClass)) {
            throw new SiglipException("no tokenizer.json in " + dir + ": a SigLIP 2 folder (" + tokenizerClass
                    + ") needs its Gemma tokenizer.json; download it with the model");
        }
        throw new SiglipException("no tokenizer in " + dir + ": expected tokenizer.json or spiece.model");
    }

    /**
     * The largest {@code tokenizer.json} read: twice Gemma's (34 MB, 256k pieces), the largest a
     * SigLIP checkpoint ships. A larger file costs about five times its size while it is read into a
     * string and parsed (the structure-aware fuzz run measured 4.8-5.0x), before any check can
     * refuse it, so it is refused by its size.
     */
    static final long MAX_TOKENIZER_JSON_BYTES = 64L << 20;

    private static String readText(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_TOKENIZER_JSON_BYTES && file.getFileName().toString().endsWith(".json")) {
                throw new SiglipException(file + " is " + (size >> 20) + " MiB, more than the "
                        + (MAX_TOKENIZER_JSON_BYTES >> 20) + " MiB a tokenizer file may have");
            }
            return Files.readString(file);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Creates a tokenizer from {@code tokenizer.json} text. A SigLIP conversion of a sentencepiece
     * model (what {@link SentencePieceConverter} writes) is encoded in Java like the slow
     * tokenizer; any other file by the Rust library.
     *
     * @param tokenizerJson the JSON text
     * @param maxLength the fixed row length
     * @param source a name for error messages
     * @return the tokenizer
     */
    public static SiglipTokenizer fromJson(String tokenizerJson, int maxLength, String source) {
        if (tokenizerJson.length() > MAX_TOKENIZER_JSON_BYTES) {
            throw new SiglipException("tokenizer " + source + " has " + (tokenizerJson.length() >> 20)
                    + " Mi characters, more than the " + (MAX_TOKENIZER_JSON_BYTES >> 20) + " MiB a tokenizer file may have");
        }
        try {
            return fromJson(tokenizerJson, maxLength, source, true);
        } catch (SiglipException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SiglipException("cannot load the tokenizer " + source + ": " + e.getClass().getSimpleName() + ": " + BoundedJson.firstLine(e), e);
        }
    }

    static SiglipTokenizer fromJson(String tokenizerJson, int maxLength, String source, boolean allowJava) {
        return fromJson(tokenizerJson, maxLength, source, allowJava, null);
    }

    private static SiglipTokenizer fromJson(String tokenizerJson, int maxLength, String source, boolean allowJava,
            String padToken) {
        if (maxLength < 1) {
            throw new SiglipException("max length must be at least 1, got " + maxLength);
        }
        JsonObject root = parseRoot(tokenizerJson, source);
        TokenizerJsonValidator.validate(root, source);
        long padId;
        try {
            padId = padIdOf(root, source, padToken);
            checkPrecompiled(root.get("normalizer"), source);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException e) {
            throw new SiglipException(source + ": malformed tokenizer.json (" + e.getMessage() + ")", e);
        }
        if (!root.has("padding") || !root.get("padding").isJsonObject()) {
            // without a padding block the Rust library pads with id 0; SigLIP pads with </s>
            tokenizerJson = withPadding(root, padId, padToken == null ? "</s>" : padToken, maxLength);
        }
        String rustText = tokenizerJson;
        if (allowJava) {
            SentencePieceConverter.Recognised r = SentencePieceConverter.recognise(root);
            if (r != null) {
                try {
                    SentencePieceSiglipEncoder encoder =
                            new SentencePieceSiglipEncoder(r.model(), r.lowercase(), maxLength, source);
                    return new SiglipTokenizer(encoder, null, () -> rustText, source, maxLength, encoder.padId());
                } catch (SiglipException e) {
                    // a vocabulary sentencepiece itself would refuse (say, a piece listed twice): the
                    // Rust library, which is less strict, runs the file as before
                }
            }
        }
        return new SiglipTokenizer(null, newRust(rustText, maxLength, source), () -> rustText, source, maxLength, padId);
    }

    private static HuggingFaceTokenizer newRust(String tokenizerJson, int maxLength, String source) {
        Map<String, String> options = Map.of(
                "addSpecialTokens", "true",
                "padding", "max_length",
                "truncation", "true",
                "maxLength", Integer.toString(maxLength),
                "modelMaxLength", Integer.toString(maxLength));
        try {
            return HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(tokenizerJson.getBytes(StandardCharsets.UTF_8)), options);
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot create a tokenizer from " + source + ": " + BoundedJson.firstLine(e), e);
        }
    }

    /** The Rust tokenizer, created on first use when the Java encoder does the encoding. */
    private synchronized HuggingFaceTokenizer rust() {
        if (closed) {
            throw new SiglipException("tokenizer of " + source + " is closed");
        }
        if (rust == null) {
            String text = rustJson.get();
            JsonObject root = parseRoot(text, source);
            TokenizerJsonValidator.validate(root, source);
            checkPrecompiled(root.get("normalizer"), source);
            rust = newRust(text, maxLength, source);
        }
        return rust;
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
        JsonElement e = BoundedJson.parse(text, source);
        if (!e.isJsonObject()) {
            throw new SiglipException(source + " is not a tokenizer.json object");
        }
        return e.getAsJsonObject();
    }

    private static String withPadding(JsonObject root, long padId, String padToken, int maxLength) {
        root.add("padding", SentencePieceConverter.fixedPadding(padId, padToken, maxLength));
        return new com.google.gson.GsonBuilder().serializeNulls().create().toJson(root);
    }

    /** Whether HF builds this tokenizer class from Gemma's {@code tokenizer.json} (SigLIP 2). */
    private static boolean isGemma(String tokenizerClass) {
        return tokenizerClass != null && (tokenizerClass.startsWith("Gemma") || SIGLIP2_TOKENIZER.equals(tokenizerClass));
    }

    /**
     * A Gemma {@code tokenizer.json} as HF's {@code GemmaTokenizer} / {@code Siglip2Tokenizer}
     * calls it with {@code padding="max_length"}: padded with the config's pad token on the
     * config's {@code padding_side}, which defaults to left for both classes (their class
     * attribute; the published SigLIP 2 folders say right), whatever padding block the file
     * holds; {@code Siglip2Tokenizer} also lower-cases first.
     */
    private static String asHfGemma(JsonObject root, String tokenizerClass, String padToken, String paddingSide,
            int maxLength, String source) {
        if (paddingSide != null && !paddingSide.equals("left") && !paddingSide.equals("right")) {
            throw new SiglipException(source + ": tokenizer_config.json padding_side must be 'left' or 'right', got '"
                    + paddingSide + "'");
        }
        long padId;
        try {
            root.remove("padding");
            padId = padIdOf(root, source, padToken == null ? "<pad>" : padToken);
        } catch (IllegalStateException | UnsupportedOperationException | ClassCastException | NumberFormatException e) {
            throw new SiglipException(source + ": malformed tokenizer.json (" + e.getMessage() + ")", e);
        }
        JsonObject padding = SentencePieceConverter.fixedPadding(padId, padToken == null ? "<pad>" : padToken,
                maxLength);
        padding.addProperty("direction", "right".equals(paddingSide) ? "Right" : "Left");
        root.add("padding", padding);
        if (SIGLIP2_TOKENIZER.equals(tokenizerClass)) {
            // HF's Siglip2Tokenizer puts Lowercase in front of the file's normaliser
            return withLowercase(root);
        }
        return new com.google.gson.GsonBuilder().serializeNulls().create().toJson(root);
    }

    /**
     * The JSON with {@code Lowercase} run before its normaliser, as HF's {@code Siglip2Tokenizer}
     * builds it ({@code normalizers.Sequence([Lowercase(), normalizer])}).
     */
    static String withLowercase(JsonObject root) {
        JsonObject lower = new JsonObject();
        lower.addProperty("type", "Lowercase");
        JsonElement normalizer = root.get("normalizer");
        if (normalizer == null || normalizer.isJsonNull()) {
            root.add("normalizer", lower);
        } else {
            JsonObject seq = new JsonObject();
            seq.addProperty("type", "Sequence");
            com.google.gson.JsonArray list = new com.google.gson.JsonArray();
            list.add(lower);
            list.add(normalizer);
            seq.add("normalizers", list);
            root.add("normalizer", seq);
        }
        return new com.google.gson.GsonBuilder().serializeNulls().create().toJson(root);
    }

    /**
     * The pad id of the JSON's padding block, else the id of the pad token that
     * {@code tokenizer_config.json} names (Gemma: {@code <pad>} = 0), else that of {@code </s>}
     * (SigLIP pads with it).
     */
    private static long padIdOf(JsonObject root, String source, String padToken) {
        JsonElement padding = root.get("padding");
        if (padding != null && padding.isJsonObject() && padding.getAsJsonObject().has("pad_id")) {
            return padding.getAsJsonObject().get("pad_id").getAsLong();
        }
        String wanted = padToken == null ? "</s>" : padToken;
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement e : added.getAsJsonArray()) {
                JsonObject o = e.getAsJsonObject();
                if (wanted.equals(o.get("content").getAsString())) {
                    return o.get("id").getAsLong();
                }
            }
        }
        throw new SiglipException(source + ": no padding.pad_id and no " + wanted
                + " added token; cannot pad to the model's length");
    }

    private static String stringOf(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    /** A special token of tokenizer_config.json: a plain string or an AddedToken object's content. */
    private static String tokenContent(JsonElement e) {
        if (e != null && e.isJsonObject()) {
            return stringOf(e.getAsJsonObject().get("content"));
        }
        return stringOf(e);
    }

    private static JsonObject readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonElement e = BoundedJson.parse(readText(file), file.toString());
        if (!e.isJsonObject()) {
            throw new SiglipException(file + " must hold a JSON object");
        }
        return e.getAsJsonObject();
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
        long[][] out = new long[texts.size()][];
        if (encoder != null) {
            checkNoNulls(texts);
            encoder.encode(texts, out);
            return out;
        }
        Encoding[] encodings = rust().batchEncode(texts);
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
        long[] flat;
        if (encoder != null) {
            flat = encodeFlat(texts);
        } else {
            long[][] ids = encode(texts);
            flat = new long[ids.length * maxLength];
            for (int i = 0; i < ids.length; i++) {
                System.arraycopy(ids[i], 0, flat, i * maxLength, maxLength);
            }
        }
        return manager.create(flat, new Shape(texts.size(), maxLength));
    }

    private static void checkNoNulls(List<String> texts) {
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new SiglipException("text " + i + " of the batch is null");
            }
        }
    }

    private long[] encodeFlat(List<String> texts) {
        checkNoNulls(texts);
        long[] flat = new long[texts.size() * maxLength];
        encoder.encode(texts, flat);
        return flat;
    }

    /**
     * The pieces of a text as the model sees them (before padding), e.g. for debugging.
     *
     * @param text any text
     * @return the token strings including the final {@code </s>}
     */
    public List<String> tokenize(String text) {
        if (encoder != null) {
            int[] ids = encoder.unpaddedRow(text);
            String[] pieces = new String[ids.length];
            for (int i = 0; i < ids.length; i++) {
                pieces[i] = encoder.pieces().piece(ids[i]);
            }
            return List.of(pieces);
        }
        Encoding e = rust().encode(text);
        String[] tokens = e.getTokens();
        long[] mask = e.getAttentionMask();
        // padding may be on either side (Gemma's classes pad on the left by default)
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            if (mask[i] != 0) {
                out.add(tokens[i]);
            }
        }
        return List.copyOf(out);
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
     * Decodes ids back to text (special tokens skipped), with the Rust library.
     *
     * @param ids token ids
     * @return the text
     */
    public String decode(long[] ids) {
        return rust().decode(ids, true);
    }

    /** @return whether encoding runs in Java (false: the Rust library encodes this tokenizer.json) */
    boolean encodesInJava() {
        return encoder != null;
    }

    /** The Java encoder, for tests and benchmarks; null when the Rust library encodes. */
    SentencePieceSiglipEncoder javaEncoder() {
        return encoder;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (rust != null) {
            rust.close();
            rust = null;
        }
    }
}
