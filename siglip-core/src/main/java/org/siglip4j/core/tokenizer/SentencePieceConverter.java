package org.siglip4j.core.tokenizer;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.Base64;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.tokenizer.SentencePieceModel.Piece;

/**
 * Converts SigLIP's sentencepiece {@code spiece.model} into a Hugging Face {@code tokenizer.json}
 * for the Rust {@code tokenizers} library (google/siglip-* ship none) that reproduces HF's slow
 * {@code SiglipTokenizer}: its text canonicalisation (lower-case, ASCII punctuation removed,
 * whitespace collapsed) as a normaliser sequence ahead of sentencepiece's own precompiled
 * normaliser, a Unigram model with the file's scores, {@code </s>} appended by the post-processor,
 * truncation keeping that {@code </s>}, and right padding with {@code </s>} (id 1).
 *
 * <p>Unlike HF's generic {@code SpmConverter}, {@code <pad>} is not an added token: for SigLIP the
 * text {@code <pad>} is ordinary text.
 */
public final class SentencePieceConverter {
    /** {@code string.punctuation} escaped for a regex character class. */
    private static final String PUNCTUATION_CLASS = "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]\\^_`{|}~]";
    /** Python's {@code \s} for str patterns. */
    private static final String PY_WHITESPACE_RUN = "[\\x{9}-\\x{D}\\x{1C}-\\x{20}\\x{85}\\x{A0}\\x{1680}"
            + "\\x{2000}-\\x{200A}\\x{2028}-\\x{2029}\\x{202F}\\x{205F}\\x{3000}]+";
    private static final String SPACE_MARK = "\u2581";

    private SentencePieceConverter() {}

    /**
     * Converts with SigLIP's defaults: lower-casing on, 64 tokens.
     *
     * @param model a unigram sentencepiece model
     * @return the {@code tokenizer.json} object
     */
    public static JsonObject convert(SentencePieceModel model) {
        return convert(model, 64, true);
    }

    /**
     * Converts a sentencepiece model.
     *
     * @param model a unigram sentencepiece model with an {@code </s>} piece
     * @param maxLength {@code model_max_length} (truncation and fixed padding length)
     * @param lowercase {@code do_lower_case} of {@code tokenizer_config.json}
     * @return the {@code tokenizer.json} object
     * @throws SiglipException if the model is not unigram or lacks {@code </s>}
     */
    public static JsonObject convert(SentencePieceModel model, int maxLength, boolean lowercase) {
        if (model.trainerSpec().modelType() != SentencePieceModel.ModelType.UNIGRAM) {
            throw new SiglipException("spiece.model is a " + model.trainerSpec().modelType()
                    + " model; SigLIP tokenizers are UNIGRAM");
        }
        if (maxLength < 1) {
            throw new SiglipException("model_max_length must be at least 1, got " + maxLength);
        }
        List<Piece> pieces = model.pieces();
        int unkId = model.trainerSpec().unkId();
        int eosId = eosId(model);
        String eos = pieces.get(eosId).piece();
        String unk = pieces.get(unkId).piece();

        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");

        JsonObject truncation = new JsonObject();
        truncation.addProperty("direction", "Right");
        truncation.addProperty("max_length", maxLength);
        truncation.addProperty("strategy", "LongestFirst");
        truncation.addProperty("stride", 0);
        root.add("truncation", truncation);

        root.add("padding", fixedPadding(eosId, eos, maxLength));

        JsonArray added = new JsonArray();
        added.add(addedToken(eosId, eos));
        if (unkId != eosId) {
            added.add(addedToken(unkId, unk));
        }
        root.add("added_tokens", added);

        JsonArray norms = new JsonArray();
        norms.add(replace(stringPattern(SPACE_MARK), " "));
        JsonObject prepend = type("Prepend");
        prepend.addProperty("prepend", SPACE_MARK);
        norms.add(prepend);
        if (lowercase) {
            norms.add(type("Lowercase"));
        }
        norms.add(replace(regexPattern(PUNCTUATION_CLASS), ""));
        norms.add(replace(regexPattern(PY_WHITESPACE_RUN), " "));
        norms.add(strip(true, true));
        byte[] charsmap = model.normalizerSpec().precompiledCharsmap();
        if (charsmap.length > 0) { // like HF's SpmConverter: no charsmap, no Precompiled step
            JsonObject precompiled = type("Precompiled");
            precompiled.addProperty("precompiled_charsmap", Base64.getEncoder().encodeToString(charsmap));
            norms.add(precompiled);
        }
        norms.add(strip(false, true));
        norms.add(replace(regexPattern(" {2,}"), " "));
        JsonObject normalizer = type("Sequence");
        normalizer.add("normalizers", norms);
        root.add("normalizer", normalizer);

        JsonObject pre = type("Metaspace");
        pre.addProperty("replacement", SPACE_MARK);
        pre.addProperty("prepend_scheme", "never");
        pre.addProperty("split", true);
        root.add("pre_tokenizer", pre);

        JsonObject post = type("TemplateProcessing");
        JsonArray single = new JsonArray();
        single.add(sequence("A"));
        single.add(special(eos));
        post.add("single", single);
        JsonArray pair = new JsonArray();
        pair.add(sequence("A"));
        pair.add(special(eos));
        pair.add(sequence("B"));
        pair.add(special(eos));
        post.add("pair", pair);
        JsonObject specials = new JsonObject();
        JsonObject eosSpecial = new JsonObject();
        eosSpecial.addProperty("id", eos);
        JsonArray ids = new JsonArray();
        ids.add(eosId);
        eosSpecial.add("ids", ids);
        JsonArray tokens = new JsonArray();
        tokens.add(eos);
        eosSpecial.add("tokens", tokens);
        specials.add(eos, eosSpecial);
        post.add("special_tokens", specials);
        root.add("post_processor", post);

        boolean byteFallback = model.trainerSpec().byteFallback();
        JsonObject decoder;
        if (byteFallback) {
            // as HF converts Llama's byte-fallback sentencepiece models
            decoder = type("Sequence");
            JsonArray decoders = new JsonArray();
            decoders.add(replace(stringPattern(SPACE_MARK), " "));
            decoders.add(type("ByteFallback"));
            decoders.add(type("Fuse"));
            JsonObject stripDecoder = type("Strip");
            stripDecoder.addProperty("content", " ");
            stripDecoder.addProperty("start", 1);
            stripDecoder.addProperty("stop", 0);
            decoders.add(stripDecoder);
            decoder.add("decoders", decoders);
        } else {
            decoder = type("Metaspace");
            decoder.addProperty("replacement", SPACE_MARK);
            decoder.addProperty("prepend_scheme", "always");
            decoder.addProperty("split", true);
        }
        root.add("decoder", decoder);

        JsonObject unigram = type("Unigram");
        unigram.addProperty("unk_id", unkId);
        JsonArray vocab = new JsonArray(pieces.size());
        for (Piece p : pieces) {
            JsonArray entry = new JsonArray(2);
            entry.add(p.piece());
            entry.add((double) p.score());
            vocab.add(entry);
        }
        unigram.add("vocab", vocab);
        unigram.addProperty("byte_fallback", byteFallback);
        root.add("model", unigram);
        return root;
    }

    /**
     * Serialises a converted tokenizer like the Rust library's pretty printer (2-space indent,
     * trailing newline); for the fixture models the text is byte-identical to the shipped files.
     *
     * @param tokenizerJson the object from {@link #convert}
     * @return JSON text
     */
    public static String toJsonString(JsonObject tokenizerJson) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(tokenizerJson) + "\n";
    }

    /** The id of {@code </s>}: {@code trainer_spec.eos_id}, else the piece spelled {@code </s>}. */
    static int eosId(SentencePieceModel model) {
        int id = model.trainerSpec().eosId();
        List<Piece> pieces = model.pieces();
        if (id >= 0 && id < pieces.size()) {
            return id;
        }
        for (int i = 0; i < pieces.size(); i++) {
            if (pieces.get(i).piece().equals("</s>")) {
                return i;
            }
        }
        throw new SiglipException("spiece.model has no </s> piece (trainer_spec.eos_id " + id
                + "); SigLIP appends and pads with </s>");
    }

    /**
     * A {@code tokenizer.json} read back as the sentencepiece model it was converted from.
     *
     * @param model the rebuilt model
     * @param lowercase whether the normaliser lower-cases ({@code do_lower_case})
     */
    record Recognised(SentencePieceModel model, boolean lowercase) {}

    /**
     * The inverse of {@link #convert} for SigLIP conversions: rebuilds the sentencepiece model
     * from the Unigram vocabulary, {@code unk_id}, {@code byte_fallback} and {@code Precompiled}
     * charsmap, converts it again, and accepts the file only when its normaliser, pre-tokenizer,
     * model, added tokens and post-processor are exactly what {@link #convert} writes (padding,
     * truncation and decoder may differ). Anything else (another normaliser, extra added tokens,
     * scores that are not floats) gives null: such a file is run by the Rust library as written.
     *
     * <p>tokenizer.json keeps no piece types, so they are inferred: the unknown id; the added
     * tokens as control pieces; {@code <0xXX>} as byte pieces under byte fallback; and any other
     * {@code <...>} piece with score exactly 0 (such as {@code <pad>}) as a control piece, since a
     * learned Unigram piece never has log probability 0 while sentencepiece writes 0 for control
     * pieces. That keeps {@code <pad>} out of the lattice as sentencepiece does, so fullwidth
     * {@code ＜ｐａｄ＞} (NFKC {@code <pad>}) is not read as piece 0.
     *
     * @param root a parsed tokenizer.json
     * @return the model, or null when the file is not a SigLIP conversion
     */
    static Recognised recognise(JsonObject root) {
        try {
            JsonObject m = root.getAsJsonObject("model");
            if (m == null || !"Unigram".equals(m.get("type").getAsString())) {
                return null;
            }
            int unkId = m.get("unk_id").getAsInt();
            boolean byteFallback = m.has("byte_fallback") && m.get("byte_fallback").getAsBoolean();
            JsonArray vocab = m.getAsJsonArray("vocab");
            java.util.Map<Integer, String> added = new java.util.HashMap<>();
            int eosId = -1;
            for (com.google.gson.JsonElement e : root.getAsJsonArray("added_tokens")) {
                JsonObject t = e.getAsJsonObject();
                added.put(t.get("id").getAsInt(), t.get("content").getAsString());
                if ("</s>".equals(t.get("content").getAsString())) {
                    eosId = t.get("id").getAsInt();
                }
            }
            List<Piece> pieces = new java.util.ArrayList<>(vocab.size());
            for (int id = 0; id < vocab.size(); id++) {
                JsonArray entry = vocab.get(id).getAsJsonArray();
                String text = entry.get(0).getAsString();
                float score = (float) entry.get(1).getAsDouble();
                if (!Float.isFinite(score)) {
                    return null;
                }
                SentencePieceModel.PieceType type;
                if (id == unkId) {
                    type = SentencePieceModel.PieceType.UNKNOWN;
                } else if (text.equals(added.get(id))) {
                    type = SentencePieceModel.PieceType.CONTROL;
                } else if (byteFallback && text.matches("<0x[0-9A-F]{2}>")) {
                    type = SentencePieceModel.PieceType.BYTE;
                } else if (score == 0f && text.length() > 2 && text.startsWith("<") && text.endsWith(">")) {
                    type = SentencePieceModel.PieceType.CONTROL;
                } else {
                    type = SentencePieceModel.PieceType.NORMAL;
                }
                pieces.add(new Piece(text, score, type));
            }
            byte[] charsmap = new byte[0];
            for (com.google.gson.JsonElement e : root.getAsJsonObject("normalizer").getAsJsonArray("normalizers")) {
                JsonObject n = e.getAsJsonObject();
                if ("Precompiled".equals(n.get("type").getAsString())) {
                    charsmap = Base64.getDecoder().decode(n.get("precompiled_charsmap").getAsString());
                }
            }
            SentencePieceModel model = new SentencePieceModel(pieces,
                    new SentencePieceModel.TrainerSpec(SentencePieceModel.ModelType.UNIGRAM, pieces.size(), unkId, -1,
                            eosId, -1, byteFallback, false),
                    new SentencePieceModel.NormalizerSpec("", charsmap, true, true, true));
            String[] keys = {"normalizer", "pre_tokenizer", "model", "added_tokens", "post_processor"};
            for (boolean lowercase : new boolean[] {true, false}) {
                JsonObject again = convert(model, 64, lowercase);
                boolean same = true;
                for (String k : keys) {
                    same &= again.get(k).equals(root.get(k));
                }
                if (same) {
                    return new Recognised(model, lowercase);
                }
            }
            return null;
        } catch (RuntimeException e) {
            return null; // not the shape convert() writes; the Rust library reports what is wrong with it
        }
    }

    private static JsonObject type(String type) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        return o;
    }

    private static JsonObject addedToken(int id, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("content", content);
        o.addProperty("single_word", false);
        o.addProperty("lstrip", true);
        o.addProperty("rstrip", true);
        o.addProperty("normalized", false);
        o.addProperty("special", true);
        return o;
    }

    private static JsonObject stringPattern(String s) {
        JsonObject o = new JsonObject();
        o.addProperty("String", s);
        return o;
    }

    private static JsonObject regexPattern(String s) {
        JsonObject o = new JsonObject();
        o.addProperty("Regex", s);
        return o;
    }

    private static JsonObject replace(JsonObject pattern, String content) {
        JsonObject o = type("Replace");
        o.add("pattern", pattern);
        o.addProperty("content", content);
        return o;
    }

    private static JsonObject strip(boolean left, boolean right) {
        JsonObject o = type("Strip");
        o.addProperty("strip_left", left);
        o.addProperty("strip_right", right);
        return o;
    }

    /**
     * The tokenizers-library padding block: every sequence padded on the right to {@code maxLength}
     * with {@code padToken} ({@code padId}).
     */
    static JsonObject fixedPadding(long padId, String padToken, int maxLength) {
        JsonObject padding = new JsonObject();
        JsonObject strategy = new JsonObject();
        strategy.addProperty("Fixed", maxLength);
        padding.add("strategy", strategy);
        padding.addProperty("direction", "Right");
        padding.add("pad_to_multiple_of", JsonNull.INSTANCE);
        padding.addProperty("pad_id", padId);
        padding.addProperty("pad_type_id", 0);
        padding.addProperty("pad_token", padToken);
        return padding;
    }

    private static JsonObject sequence(String id) {
        return templatePiece("Sequence", id);
    }

    private static JsonObject special(String token) {
        return templatePiece("SpecialToken", token);
    }

    /** One piece of a TemplateProcessing template: {@code {kind: {id, type_id: 0}}}. */
    private static JsonObject templatePiece(String kind, String id) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", 0);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }
}
