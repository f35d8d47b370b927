package org.siglip4j.core.tokenizer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.siglip4j.core.SiglipException;

/**
 * Checks the structure of a {@code tokenizer.json} in Java before the Rust {@code tokenizers}
 * library (DJL's binding) sees it. The Rust code deserialises some structures without validating
 * them and then panics, or returns an error that the binding unwraps, while encoding; a panic
 * across JNI aborts the whole JVM, which no caller can catch. What is checked, and why:
 *
 * <ul>
 *   <li>{@code WordLevel} and {@code WordPiece}: {@code unk_token} is in the vocabulary (a text
 *       with an unknown word otherwise fails inside {@code encode}).
 *   <li>{@code BPE}: an {@code unk_token}, when given, is in the vocabulary (same reason).
 *   <li>{@code Unigram}: {@code unk_id} is given and indexes the vocabulary; without it a
 *       character the vocabulary lacks fails inside {@code encode} (byte fallback only helps when
 *       all 256 byte pieces exist, so it is not accepted instead).
 *   <li>{@code TemplateProcessing} (also inside {@code Sequence}): every special token the
 *       {@code single}/{@code pair} templates name is in {@code special_tokens}, each with as many
 *       {@code ids} as {@code tokens} (the Rust code looks them up with {@code unwrap}).
 *   <li>{@code added_tokens}: at most {@link #MAX_ADDED_TOKENS}, each with a non-empty string
 *       {@code content} and an integer {@code id} (the Rust library builds an automaton over
 *       them; 100,000 kept it busy for over a minute).
 *   <li>Vocabulary and merges: at most {@link #MAX_VOCAB} entries; every piece and added token at
 *       most {@link #MAX_TOKEN_CHARS} chars.
 *   <li>{@code Replace} / {@code Split} patterns that can match the empty string, and normalised
 *       added tokens a normaliser may erase entirely: both make the native code slice inside a
 *       character and panic.
 *   <li>{@code padding} and {@code truncation}: lengths and {@code pad_to_multiple_of} at most
 *       {@link #MAX_LENGTH}; a huge padding length makes the native code allocate rows of billions
 *       of ids, and a failed native allocation aborts the process.
 * </ul>
 *
 * Depth is bounded by {@link org.siglip4j.core.io.BoundedJson}; {@code Precompiled} charsmaps
 * are checked by {@link PrecompiledCharsmap}.
 */
final class TokenizerJsonValidator {
    /** Most added tokens accepted (published tokenizers have a few hundred at most). */
    static final int MAX_ADDED_TOKENS = 10_000;
    /** Most vocabulary entries or merges accepted (the largest published vocabularies have ~260k). */
    static final int MAX_VOCAB = 2_000_000;
    /** Longest padding or truncation length accepted (the same bound as {@code model_max_length}). */
    static final int MAX_LENGTH = 1_000_000;
    /**
     * Longest vocabulary piece or added token, in chars. The Rust Unigram model keeps its pieces in
     * a trie with one nested node per character, built and freed recursively: a 94,000-char piece
     * overflowed the native stack (SIGSEGV); a 50,000-char added token kept the added-token matcher
     * busy for over 40 s per text. Real pieces are at most a few dozen chars.
     */
    static final int MAX_TOKEN_CHARS = 1_000;

    private TokenizerJsonValidator() {}

    /**
     * Throws a {@link SiglipException} naming the first structure the Rust library could not run.
     *
     * @param root the parsed tokenizer.json
     * @param source the file, for messages
     */
    static void validate(JsonObject root, String source) {
        addedTokens(root.get("added_tokens"), source);
        List<JsonObject> patterns = new ArrayList<>();
        collectPatterns(root.get("normalizer"), patterns, 0);
        collectPatterns(root.get("pre_tokenizer"), patterns, 0);
        for (JsonObject p : patterns) {
            pattern(p, source);
        }
        erasableAddedTokens(root, patterns, source);
        JsonElement model = root.get("model");
        if (model == null || !model.isJsonObject()) {
            throw bad(source, "no \"model\" object");
        }
        model(model.getAsJsonObject(), source);
        postProcessor(root.get("post_processor"), source, "post_processor");
        padding(root.get("padding"), source);
        truncation(root.get("truncation"), source);
    }

    /**
     * A padding block pads every row to its length (or to a multiple of {@code pad_to_multiple_of}),
     * so a huge one makes the native code allocate rows of billions of ids, and a failed native
     * allocation aborts the process.
     */
    private static void padding(JsonElement p, String source) {
        if (p == null || p.isJsonNull()) {
            return;
        }
        if (!p.isJsonObject()) {
            throw bad(source, "padding is not an object");
        }
        JsonObject o = p.getAsJsonObject();
        JsonElement multiple = o.get("pad_to_multiple_of");
        if (multiple != null && !multiple.isJsonNull() && !(isIndex(multiple) && multiple.getAsLong() >= 1
                && multiple.getAsLong() <= MAX_LENGTH)) {
            throw bad(source, "padding.pad_to_multiple_of must be null or 1.." + MAX_LENGTH + ", got " + abbreviate(multiple));
        }
        JsonElement strategy = o.get("strategy");
        if (strategy != null && strategy.isJsonObject() && strategy.getAsJsonObject().has("Fixed")) {
            JsonElement n = strategy.getAsJsonObject().get("Fixed");
            if (!isIndex(n) || n.getAsLong() > MAX_LENGTH) {
                throw bad(source, "padding.strategy.Fixed must be 0.." + MAX_LENGTH + ", got " + abbreviate(n));
            }
        }
        if (o.has("pad_id") && !isIndex(o.get("pad_id"))) {
            throw bad(source, "padding.pad_id must be a non-negative integer, got " + abbreviate(o.get("pad_id")));
        }
    }

    private static void truncation(JsonElement t, String source) {
        if (t == null || t.isJsonNull()) {
            return;
        }
        if (!t.isJsonObject()) {
            throw bad(source, "truncation is not an object");
        }
        JsonObject o = t.getAsJsonObject();
        JsonElement max = o.get("max_length");
        JsonElement stride = o.get("stride");
        if (!isIndex(max) || max.getAsLong() > MAX_LENGTH) {
            throw bad(source, "truncation.max_length must be 0.." + MAX_LENGTH + ", got " + abbreviate(max));
        }
        if (stride != null && !stride.isJsonNull() && !(isIndex(stride) && stride.getAsLong() < Math.max(1, max.getAsLong()))) {
            throw bad(source, "truncation.stride must be below max_length " + max + ", got " + abbreviate(stride));
        }
    }

    /** Text a pattern is tried on: a zero-width match on any of them is refused. */
    private static final List<String> PROBES = List.of("", "x", "xx", "a b", " ", "\u2581x", "caf\u00e9 1", "\n");

    /** Every {@code Replace} / {@code Split} component, also inside {@code Sequence}s. */
    private static void collectPatterns(JsonElement e, List<JsonObject> out, int depth) {
        if (e == null || !e.isJsonObject() || depth > 64) {
            return;
        }
        JsonObject o = e.getAsJsonObject();
        JsonElement type = o.get("type");
        if (isString(type) && (type.getAsString().equals("Replace") || type.getAsString().equals("Split"))) {
            out.add(o);
        }
        for (String list : new String[] {"normalizers", "pretokenizers"}) {
            JsonElement l = o.get(list);
            if (l != null && l.isJsonArray()) {
                for (JsonElement x : l.getAsJsonArray()) {
                    collectPatterns(x, out, depth + 1);
                }
            }
        }
    }

    /**
     * A {@code Replace} or {@code Split} pattern that matches the empty string makes the native
     * normaliser slice inside a character and panic ({@code normalizer.rs}), which aborts the JVM:
     * empty patterns and regexes with a zero-width match on simple probe texts are refused, and so
     * are regexes Java cannot compile (their zero-width matches cannot be ruled out here).
     */
    private static void pattern(JsonObject o, String source) {
        String type = o.get("type").getAsString();
        JsonElement p = o.get("pattern");
        if (p == null || !p.isJsonObject()) {
            throw bad(source, type + " has no \"pattern\" object");
        }
        JsonObject po = p.getAsJsonObject();
        if (isString(po.get("String"))) {
            if (po.get("String").getAsString().isEmpty()) {
                throw bad(source, type + " has an empty pattern, which the native code cannot run");
            }
            return;
        }
        if (!isString(po.get("Regex"))) {
            throw bad(source, type + " pattern must be {\"String\": ...} or {\"Regex\": ...}");
        }
        String regex = po.get("Regex").getAsString();
        Pattern compiled;
        try {
            compiled = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw bad(source, type + " regex " + abbreviate(regex) + " cannot be checked: " + e.getDescription());
        }
        for (String probe : PROBES) {
            Matcher m = compiled.matcher(probe);
            while (m.find()) {
                if (m.end() == m.start()) {
                    throw bad(source, type + " regex " + abbreviate(regex) + " matches an empty string (in '" + probe
                            + "'), which the native code cannot run");
                }
            }
        }
    }

    /**
     * An added token matched after normalisation ({@code normalized: true}) whose normalised form is
     * empty makes the native added-token matcher slice inside a character and panic
     * ({@code added_vocabulary.rs}), which aborts the JVM. A normaliser can erase whitespace
     * (Strip), combining marks (StripAccents), control and format characters (Precompiled) and
     * whatever a Replace with empty content matches; so a normalised added token needs a character
     * outside those that no such Replace removes.
     */
    private static void erasableAddedTokens(JsonObject root, List<JsonObject> patterns, String source) {
        JsonElement normalizer = root.get("normalizer");
        JsonElement added = root.get("added_tokens");
        if (normalizer == null || normalizer.isJsonNull() || added == null || !added.isJsonArray()) {
            return;
        }
        List<Pattern> erasers = new ArrayList<>();
        for (JsonObject p : patterns) {
            JsonElement content = p.get("content");
            if (p.get("type").getAsString().equals("Replace") && isString(content) && content.getAsString().isEmpty()) {
                JsonObject po = p.getAsJsonObject("pattern");
                erasers.add(isString(po.get("String")) ? Pattern.compile(Pattern.quote(po.get("String").getAsString()))
                        : Pattern.compile(po.get("Regex").getAsString()));
            }
        }
        JsonArray a = added.getAsJsonArray();
        for (int i = 0; i < a.size(); i++) {
            JsonObject o = a.get(i).getAsJsonObject();
            JsonElement normalized = o.get("normalized");
            if (normalized != null && normalized.isJsonPrimitive() && !normalized.getAsBoolean()) {
                continue;
            }
            String content = o.get("content").getAsString();
            for (Pattern eraser : erasers) {
                content = eraser.matcher(content).replaceAll("");
            }
            if (content.codePoints().allMatch(TokenizerJsonValidator::erasable)) {
                throw bad(source, "added_tokens[" + i + "] " + abbreviate(o.get("content"))
                        + " is normalised but a normaliser may erase all of it; mark it \"normalized\": false");
            }
        }
    }

    /** Characters some normaliser removes: whitespace, marks, control and format characters. */
    private static boolean erasable(int c) {
        int t = Character.getType(c);
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || t == Character.NON_SPACING_MARK
                || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.FORMAT
                || t == Character.CONTROL || t == Character.UNASSIGNED || t == Character.SURROGATE
                || t == Character.PRIVATE_USE;
    }

    private static SiglipException bad(String source, String what) {
        return new SiglipException(source + ": unusable tokenizer.json: " + what);
    }

    private static void addedTokens(JsonElement added, String source) {
        if (added == null || added.isJsonNull()) {
            return;
        }
        if (!added.isJsonArray()) {
            throw bad(source, "added_tokens must be a list");
        }
        JsonArray a = added.getAsJsonArray();
        if (a.size() > MAX_ADDED_TOKENS) {
            throw bad(source, a.size() + " added_tokens, more than the " + MAX_ADDED_TOKENS + " accepted");
        }
        for (int i = 0; i < a.size(); i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonObject()) {
                throw bad(source, "added_tokens[" + i + "] is not an object");
            }
            JsonObject o = e.getAsJsonObject();
            if (!isString(o.get("content")) || o.get("content").getAsString().isEmpty()) {
                throw bad(source, "added_tokens[" + i + "] has no non-empty string \"content\"");
            }
            checkTokenLength(o.get("content").getAsString(), "added_tokens[" + i + "]", source);
            if (!isIndex(o.get("id"))) {
                throw bad(source, "added_tokens[" + i + "] has no non-negative integer \"id\"");
            }
        }
    }

    private static void model(JsonObject m, String source) {
        JsonElement typeElement = m.get("type");
        if (!isString(typeElement)) {
            throw bad(source, "model has no \"type\" (BPE, WordPiece, WordLevel or Unigram)");
        }
        String type = typeElement.getAsString();
        JsonElement vocab = m.get("vocab");
        switch (type) {
            case "WordLevel", "WordPiece", "BPE" -> {
                if (vocab == null || !vocab.isJsonObject()) {
                    throw bad(source, type + " model has no \"vocab\" object");
                }
                JsonObject v = vocab.getAsJsonObject();
                if (v.size() > MAX_VOCAB) {
                    throw bad(source, "vocab has " + v.size() + " entries, more than " + MAX_VOCAB);
                }
                for (Map.Entry<String, JsonElement> e : v.entrySet()) {
                    checkTokenLength(e.getKey(), "a vocab entry", source);
                    if (!isIndex(e.getValue())) {
                        throw bad(source, "vocab entry '" + abbreviate(e.getKey()) + "' is not a non-negative integer id");
                    }
                }
                JsonElement unk = m.get("unk_token");
                boolean unkRequired = !type.equals("BPE");
                if (unk == null || unk.isJsonNull()) {
                    if (unkRequired) {
                        throw bad(source, type + " model has no unk_token");
                    }
                } else if (!isString(unk) || !v.has(unk.getAsString())) {
                    throw bad(source, type + " model's unk_token " + abbreviate(unk) + " is not in its vocab");
                }
                JsonElement merges = m.get("merges");
                if (merges != null && merges.isJsonArray() && merges.getAsJsonArray().size() > MAX_VOCAB) {
                    throw bad(source, "merges has " + merges.getAsJsonArray().size() + " entries, more than " + MAX_VOCAB);
                }
            }
            case "Unigram" -> {
                if (vocab == null || !vocab.isJsonArray()) {
                    throw bad(source, "Unigram model has no \"vocab\" list");
                }
                int n = vocab.getAsJsonArray().size();
                if (n > MAX_VOCAB) {
                    throw bad(source, "vocab has " + n + " entries, more than " + MAX_VOCAB);
                }
                for (JsonElement piece : vocab.getAsJsonArray()) {
                    if (!piece.isJsonArray() || piece.getAsJsonArray().size() != 2 || !isString(piece.getAsJsonArray().get(0))) {
                        throw bad(source, "Unigram vocab entries must be [piece, score], got " + abbreviate(piece));
                    }
                    checkTokenLength(piece.getAsJsonArray().get(0).getAsString(), "a vocab piece", source);
                }
                JsonElement unk = m.get("unk_id");
                if (!isIndex(unk) || unk.getAsLong() >= n) {
                    throw bad(source, "Unigram model needs an unk_id within its " + n + "-piece vocab, got " + abbreviate(unk)
                            + " (a character outside the vocab would fail inside the native encoder)");
                }
            }
            default -> throw bad(source, "model type '" + type + "' is not BPE, WordPiece, WordLevel or Unigram");
        }
    }

    private static void postProcessor(JsonElement p, String source, String path) {
        if (p == null || p.isJsonNull()) {
            return;
        }
        if (!p.isJsonObject()) {
            throw bad(source, path + " is not an object");
        }
        JsonObject o = p.getAsJsonObject();
        JsonElement type = o.get("type");
        if (!isString(type)) {
            throw bad(source, path + " has no \"type\"");
        }
        switch (type.getAsString()) {
            case "Sequence" -> {
                JsonElement list = o.get("processors");
                if (list == null || !list.isJsonArray()) {
                    throw bad(source, path + " (Sequence) has no \"processors\" list");
                }
                JsonArray a = list.getAsJsonArray();
                for (int i = 0; i < a.size(); i++) {
                    postProcessor(a.get(i), source, path + ".processors[" + i + "]");
                }
            }
            case "TemplateProcessing" -> template(o, source, path);
            default -> {
                // BertProcessing, RobertaProcessing, ByteLevel: the Rust deserialiser checks them fully
            }
        }
    }

    private static void template(JsonObject o, String source, String path) {
        JsonElement st = o.get("special_tokens");
        if (st == null || !st.isJsonObject()) {
            throw bad(source, path + " (TemplateProcessing) has no \"special_tokens\" object");
        }
        Set<String> known = new HashSet<>();
        for (Map.Entry<String, JsonElement> e : st.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonObject()) {
                throw bad(source, path + ".special_tokens." + abbreviate(e.getKey()) + " is not an object");
            }
            JsonObject t = e.getValue().getAsJsonObject();
            JsonElement ids = t.get("ids");
            JsonElement tokens = t.get("tokens");
            if (ids == null || !ids.isJsonArray() || tokens == null || !tokens.isJsonArray()
                    || ids.getAsJsonArray().size() != tokens.getAsJsonArray().size()) {
                throw bad(source, path + ".special_tokens." + abbreviate(e.getKey()) + " needs \"ids\" and \"tokens\" lists"
                        + " of equal length");
            }
            for (JsonElement id : ids.getAsJsonArray()) {
                if (!isIndex(id)) {
                    throw bad(source, path + ".special_tokens." + abbreviate(e.getKey()) + " has an id that is not a"
                            + " non-negative integer: " + abbreviate(id));
                }
            }
            known.add(e.getKey());
        }
        for (String which : new String[] {"single", "pair"}) {
            JsonElement t = o.get(which);
            if (t == null || t.isJsonNull()) {
                continue;
            }
            if (!t.isJsonArray()) {
                throw bad(source, path + "." + which + " is not a list of pieces");
            }
            for (JsonElement piece : t.getAsJsonArray()) {
                String special = specialTokenOf(piece);
                if (special != null && !known.contains(special)) {
                    throw bad(source, path + "." + which + " uses the special token '" + abbreviate(special)
                            + "', which is not in special_tokens");
                }
            }
        }
    }

    /** The special-token name a template piece refers to, or null for a sequence piece. */
    private static String specialTokenOf(JsonElement piece) {
        if (isString(piece)) {
            String s = piece.getAsString();
            if (s.startsWith("$")) {
                return null;
            }
            int colon = s.lastIndexOf(':');
            return colon >= 0 ? s.substring(0, colon) : s;
        }
        if (piece.isJsonObject() && piece.getAsJsonObject().has("SpecialToken")) {
            JsonElement st = piece.getAsJsonObject().get("SpecialToken");
            if (st.isJsonObject() && isString(st.getAsJsonObject().get("id"))) {
                return st.getAsJsonObject().get("id").getAsString();
            }
            return String.valueOf(st);
        }
        return null;
    }

    private static void checkTokenLength(String token, String what, String source) {
        if (token.length() > MAX_TOKEN_CHARS) {
            throw bad(source, what + " is " + token.length() + " chars long, more than the " + MAX_TOKEN_CHARS
                    + " accepted (" + abbreviate(token) + ")");
        }
    }

    private static String abbreviate(Object o) {
        String s = String.valueOf(o);
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    private static boolean isIndex(JsonElement e) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            return false;
        }
        double d = e.getAsDouble();
        return d >= 0 && d == Math.rint(d) && d <= Integer.MAX_VALUE;
    }
}
