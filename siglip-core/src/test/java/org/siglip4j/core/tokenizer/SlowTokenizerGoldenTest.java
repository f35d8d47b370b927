package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;

/**
 * The pure-Java encoder against Hugging Face's slow SiglipTokenizer on a golden corpus of ~2700
 * random texts (unicode of every plane, combining marks first and after {@code >}, every kind of
 * Python whitespace, punctuation, emoji, CJK, fullwidth forms, literal and fullwidth
 * {@code </s>}/{@code <unk>}/{@code <pad>}, long texts, runs of one letter for equal-score
 * segmentations) whose ids the real sentencepiece library produced
 * ({@code scripts/make-tokenizer-golden.py}, stored in test resources so no Python is needed).
 * Every id of every text must match, for the byte-fallback and the no-byte-fallback model, and
 * for both with user-defined, control and unused pieces added.
 */
class SlowTokenizerGoldenTest {
    static final String[] MODELS = {"spiece.model", "tokenizer-no-byte-fallback/spiece.model"};

    /**
     * @param texts the corpus
     * @param ids per model (and per model + "+extra"), the slow tokenizer's ids of every text
     * @param extraPieces what the "+extra" variants append to the model: [text, score, proto type]
     */
    record Golden(List<String> texts, Map<String, int[][]> ids, JsonArray extraPieces) {}

    static JsonObject resource(String name) {
        try (InputStream in = SlowTokenizerGoldenTest.class.getResourceAsStream("/tokenizer-golden/" + name)) {
            return JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Golden golden() {
        JsonObject g = resource("slow-ids.json");
        List<String> texts = new ArrayList<>();
        for (JsonElement e : g.getAsJsonArray("texts")) {
            texts.add(e.getAsString());
        }
        Map<String, int[][]> ids = new HashMap<>();
        for (String model : MODELS) {
            JsonArray rows = g.getAsJsonObject("ids").getAsJsonArray(model);
            int[][] out = new int[rows.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = ints(rows.get(i).getAsJsonArray());
            }
            ids.put(model, out);
            // the +extra variant lists only the texts whose ids differ from the plain model's
            int[][] extra = out.clone();
            for (Map.Entry<String, JsonElement> e : g.getAsJsonObject("ids").getAsJsonObject(model + "+extra").entrySet()) {
                extra[Integer.parseInt(e.getKey())] = ints(e.getValue().getAsJsonArray());
            }
            ids.put(model + "+extra", extra);
        }
        JsonArray cased = g.getAsJsonObject("ids").getAsJsonArray("spiece.model,cased");
        int[][] casedIds = new int[cased.size()][];
        for (int i = 0; i < casedIds.length; i++) {
            casedIds[i] = ints(cased.get(i).getAsJsonArray());
        }
        ids.put("spiece.model,cased", casedIds);
        return new Golden(texts, ids, g.getAsJsonArray("extra_pieces"));
    }

    static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a.get(k).getAsInt();
        }
        return out;
    }

    /** The model with the golden's extra pieces appended, as the generator appends them. */
    static SentencePieceModel withExtraPieces(SentencePieceModel m, JsonArray extra) {
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(m.pieces());
        for (JsonElement e : extra) {
            JsonArray p = e.getAsJsonArray();
            pieces.add(new SentencePieceModel.Piece(p.get(0).getAsString(), p.get(1).getAsFloat(),
                    SentencePieceModel.PieceType.values()[p.get(2).getAsInt() - 1]));
        }
        return new SentencePieceModel(pieces, m.trainerSpec(), m.normalizerSpec());
    }

    static Path folder(String model) {
        return Fixtures.file(model).getParent();
    }

    /** Printable form of a text for failure messages. */
    static String show(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().limit(100).forEach(c -> b.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return b.toString();
    }

    /** Asserts every text's ids; lists the first mismatches. */
    static void assertAllIds(int[][] expected, List<String> texts, SentencePieceSiglipEncoder encoder, String what) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] got = encoder.tokenIds(texts.get(i));
            if (!Arrays.equals(expected[i], got)) {
                bad.add("text " + i + " '" + show(texts.get(i)) + "'\n  expected " + Arrays.toString(expected[i])
                        + "\n  got      " + Arrays.toString(got));
            }
        }
        assertTrue(bad.isEmpty(), what + ": " + bad.size() + " of " + texts.size() + " texts differ from the slow "
                + "tokenizer:\n" + String.join("\n", bad.subList(0, Math.min(10, bad.size()))));
    }

    /** HF's prepare_for_model + pad for one text: cut to max - 1, </s> unless already last, pad with </s>. */
    static long[] hfRow(int[] ids, int maxLength) {
        int keep = Math.min(ids.length, maxLength - 1);
        long[] row = new long[maxLength];
        Arrays.fill(row, 1);
        for (int i = 0; i < keep; i++) {
            row[i] = ids[i];
        }
        return row; // the appended </s> and the padding are both id 1
    }

    @Test
    void everyIdMatchesTheSlowTokenizer() {
        Golden g = golden();
        for (String model : MODELS) {
            try (SiglipTokenizer t = SiglipTokenizer.load(folder(model))) {
                assertTrue(t.encodesInJava());
                assertAllIds(g.ids().get(model), g.texts(), t.javaEncoder(), model);
            }
            // the path for added tokens that must be searched in the lower-cased text
            SentencePieceSiglipEncoder lowerFirst = new SentencePieceSiglipEncoder(SentencePieceModel.load(Fixtures.file(model)), true, 64,
                    model, false);
            assertAllIds(g.ids().get(model), g.texts(), lowerFirst, model + ", lower-cased first");
        }
    }

    /**
     * User-defined pieces (matched before normalisation, scored {@code bytes * max score - 0.1}),
     * a control piece that {@code piece_to_id} finds for an unknown run, an unused piece the
     * lattice skips: the same models with such pieces appended, against the slow tokenizer.
     */
    @Test
    void userDefinedControlAndUnusedPiecesBehaveAsInSentencepiece() {
        Golden g = golden();
        for (String model : MODELS) {
            SentencePieceModel m = withExtraPieces(SentencePieceModel.load(Fixtures.file(model)), g.extraPieces());
            SentencePieceSiglipEncoder encoder = new SentencePieceSiglipEncoder(m, true, 64, model + "+extra");
            assertAllIds(g.ids().get(model + "+extra"), g.texts(), encoder, model + "+extra");
        }
    }

    /**
     * HF's {@code "<unk>"} prefix is encoded once and resumed from, except where a rule or piece
     * can cross the seam (NFKC composes {@code ">"} with U+0338 into {@code "≯"}): both ways give
     * what encoding the whole and dropping the prefix's pieces gives.
     */
    @Test
    void unkPrefixIsResumedOnlyWhereNothingCrossesTheSeam() {
        Golden g = golden();
        for (String model : MODELS) {
            SentencePieceEncoder sp = new SentencePieceEncoder(SentencePieceModel.load(Fixtures.file(model)), model);
            SentencePieceEncoder.Prefix p = sp.prefix("<unk>".getBytes(StandardCharsets.UTF_8));
            assertTrue(p.resumable, model);
            assertTrue(p.rawSeam[0xCC], "U+0338 (0xCC 0xB8) after '>' composes");
            assertTrue(!p.rawSeam['a'] && !p.rawSeam[0xE2], "letters and \u2581 do not");
            SentencePieceEncoder.Workspace ws = new SentencePieceEncoder.Workspace();
            int resumed = 0;
            for (String text : g.texts()) {
                byte[] in = ("<unk>" + text).getBytes(StandardCharsets.UTF_8);
                int n = sp.encodeAfter(p, in, in.length, ws);
                int[] after = Arrays.copyOf(ws.pieceIds, n);
                int all = sp.encode(in, in.length, ws);
                int skip = all >= p.pieces ? p.pieces : 0;
                assertArrayEquals(Arrays.copyOfRange(ws.pieceIds, skip, all), after, model + " '" + show(text) + "'");
                resumed += in.length > 5 && !p.rawSeam[in[5] & 0xFF] ? 1 : 0;
            }
            assertTrue(resumed > g.texts().size() / 2 && resumed < g.texts().size(), resumed + " resumed");
        }
    }

    /** {@code do_lower_case: false} in tokenizer_config.json, on the first golden texts. */
    @Test
    void withoutLowerCasing() {
        Golden g = golden();
        int[][] expected = g.ids().get("spiece.model,cased");
        List<String> texts = g.texts().subList(0, expected.length);
        for (boolean searchRaw : new boolean[] {true, false}) {
            SentencePieceSiglipEncoder cased = new SentencePieceSiglipEncoder(SentencePieceModel.load(Fixtures.file("spiece.model")), false,
                    64, "cased", searchRaw);
            assertAllIds(expected, texts, cased, "do_lower_case false");
        }
    }

    /** A folder with only tokenizer.json (our conversion) gets the same Java encoder. */
    @Test
    void tokenizerJsonAloneEncodesLikeTheSlowTokenizerToo() throws IOException {
        Golden g = golden();
        for (String model : MODELS) {
            Path json = folder(model).resolve("tokenizer.json");
            try (SiglipTokenizer t = SiglipTokenizer.fromJson(Files.readString(json), 64, json.toString())) {
                assertTrue(t.encodesInJava(), "a SigLIP tokenizer.json is recognised");
                assertAllIds(g.ids().get(model), g.texts(), t.javaEncoder(), json.toString());
            }
        }
    }

    @Test
    void rowsAreTruncatedEndedAndPaddedLikeHf(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        Golden g = golden();
        for (String model : MODELS) {
            for (int max : new int[] {64, 8, 1}) {
                Path d = Files.createDirectories(tmp.resolve(model.replace('/', '_') + max));
                Files.copy(Fixtures.file(model), d.resolve("spiece.model"));
                Files.writeString(d.resolve("tokenizer_config.json"), "{\"model_max_length\": " + max + "}");
                try (SiglipTokenizer t = SiglipTokenizer.load(d)) {
                    long[][] rows = t.encode(g.texts());
                    for (int i = 0; i < rows.length; i++) {
                        assertArrayEquals(hfRow(g.ids().get(model)[i], max), rows[i],
                                model + " max " + max + " text " + i + " '" + show(g.texts().get(i)) + "'");
                    }
                }
            }
        }
    }

    /**
     * The slow tokenizer lower-cases each character with Python's {@code str.lower}; the table of
     * every code point it changes (Python 3.11, Unicode 14) must come out of the Java lower-casing.
     */
    @Test
    void lowerCasingMatchesPythonForEveryCodePoint() {
        JsonObject table = resource("python-lower.json");
        Map<Integer, String> python = new HashMap<>();
        for (JsonElement e : table.getAsJsonArray("lower")) {
            python.put(e.getAsJsonArray().get(0).getAsInt(), e.getAsJsonArray().get(1).getAsString());
        }
        char[] out = new char[4];
        int checked = 0;
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
                continue;
            }
            String expected = python.getOrDefault(cp, new String(Character.toChars(cp)));
            String got = new String(out, 0, SentencePieceSiglipEncoder.appendPythonLower(out, 0, cp));
            assertEquals(expected, got, String.format("lower-casing of U+%04X", cp));
            checked++;
        }
        assertEquals(0x110000 - 0x800, checked);
    }

    /**
     * The Rust library on our tokenizer.json agrees with the slow tokenizer wherever its known
     * differences cannot arise (README of the fixture: literal special tokens, a combining mark
     * that its grapheme-wise Precompiled normaliser folds differently, equal-score segmentations):
     * on texts of ASCII and Latin letters without {@code <} or combining marks, every row is the
     * same, or the same pieces in another order (an equal-score segmentation the two break
     * differently, e.g. {@code ooooo} as oo+oo+o or o+oo+oo).
     */
    @Test
    void rustLibraryAgreesWhereNoKnownDifferenceApplies() {
        Golden g = golden();
        List<String> plain = new ArrayList<>();
        for (String t : g.texts()) {
            if (t.chars().allMatch(c -> c < 0x250 && c != '<' && Character.getType(c) != Character.NON_SPACING_MARK)) {
                plain.add(t);
            }
        }
        assertTrue(plain.size() > 300, plain.size() + " plain texts");
        for (String model : MODELS) {
            Path json = folder(model).resolve("tokenizer.json");
            try (SiglipTokenizer java = SiglipTokenizer.load(folder(model));
                    SiglipTokenizer rust = SiglipTokenizer.fromJson(Files.readString(json), 1024, "rust", false)) {
                assertTrue(!rust.encodesInJava());
                long[][] r = rust.encode(plain);
                int same = 0;
                int reordered = 0;
                for (int i = 0; i < plain.size(); i++) {
                    int[] ids = java.javaEncoder().tokenIds(plain.get(i));
                    long[] expected = hfRow(ids, 1024);
                    if (Arrays.equals(expected, r[i])) {
                        same++;
                        continue;
                    }
                    long[] a = expected.clone();
                    long[] b = r[i].clone();
                    Arrays.sort(a);
                    Arrays.sort(b);
                    assertArrayEquals(a, b, model + ": the Rust library differs beyond an equal-score reordering on '"
                            + show(plain.get(i)) + "'");
                    reordered++;
                }
                System.out.printf("%s: Rust library vs slow tokenizer on %d plain texts: %d identical, %d equal-score "
                        + "reorderings%n", model, plain.size(), same, reordered);
                assertTrue(reordered * 10 < plain.size(), reordered + " reorderings");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
