package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * Tokenizer ids against HF's slow SiglipTokenizer (v4.45.1) for both fixture tokenizers, with the
 * Java encoder and with the Rust library; see {@link SlowTokenizerGoldenTest} for the fuzz corpus.
 */
class SiglipTokenizerTest {
    static final String[] FOLDERS = {"", "tokenizer-no-byte-fallback"};

    static List<String> texts() throws IOException {
        String[] t = new Gson().fromJson(Files.readString(Fixtures.file("inputs/texts.json")), String[].class);
        return List.of(t);
    }

    static Path folder(String name) {
        return name.isEmpty() ? Fixtures.dir() : Fixtures.file(name);
    }

    static long[][] expectedIds(String name) throws IOException {
        Npy.Array a = Npy.read(folder(name).resolve("expected/input_ids.npy"));
        long[] flat = a.longs();
        int n = (int) a.shape()[0];
        int l = (int) a.shape()[1];
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, i * l, (i + 1) * l);
        }
        return out;
    }

    static void assertIds(long[][] expected, long[][] got, List<String> texts, String what) {
        assertEquals(expected.length, got.length, what + " rows");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], got[i], what + " text " + i + " " + texts.get(i));
        }
    }

    /** A folder holding only spiece.model and tokenizer_config.json, so the conversion path runs. */
    static Path spieceOnly(String name, Path tmp) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(name.isEmpty() ? "main" : name));
        Files.copy(folder(name).resolve("spiece.model"), d.resolve("spiece.model"));
        Files.copy(folder(name).resolve("tokenizer_config.json"), d.resolve("tokenizer_config.json"));
        return d;
    }

    @Test
    void javaEncoderMatchesHf() throws IOException {
        List<String> texts = texts();
        for (String f : FOLDERS) {
            try (SiglipTokenizer t = SiglipTokenizer.load(folder(f))) {
                assertTrue(t.encodesInJava(), "spiece.model is encoded in Java");
                assertEquals(64, t.maxLength());
                assertEquals(1, t.padId());
                assertIds(expectedIds(f), t.encode(texts), texts, "spiece.model of '" + f + "'");
            }
        }
    }

    @Test
    void shippedTokenizerJsonMatchesHfInJavaAndInTheRustLibrary() throws IOException {
        List<String> texts = texts();
        for (String f : FOLDERS) {
            String json = Files.readString(folder(f).resolve("tokenizer.json"));
            try (SiglipTokenizer java = SiglipTokenizer.fromJson(json, 64, "tokenizer.json");
                    SiglipTokenizer rust = SiglipTokenizer.fromJson(json, 64, "tokenizer.json", false)) {
                assertTrue(java.encodesInJava());
                assertFalse(rust.encodesInJava());
                assertIds(expectedIds(f), java.encode(texts), texts, "tokenizer.json of '" + f + "' in Java");
                assertIds(expectedIds(f), rust.encode(texts), texts, "tokenizer.json of '" + f + "' in Rust");
                assertEquals(1, rust.padId());
            }
        }
    }

    @Test
    void convertedSpieceModelMatchesHf(@TempDir Path tmp) throws IOException {
        List<String> texts = texts();
        for (String f : FOLDERS) {
            Path d = spieceOnly(f, tmp);
            try (SiglipTokenizer java = SiglipTokenizer.load(d);
                    SiglipTokenizer rust = SiglipTokenizer.load(d, false)) {
                assertIds(expectedIds(f), java.encode(texts), texts, "spiece.model of '" + f + "' in Java");
                assertIds(expectedIds(f), rust.encode(texts), texts, "converted spiece.model of '" + f + "' in Rust");
            }
        }
    }

    @Test
    void conversionEqualsShippedTokenizerJson() throws IOException {
        for (String f : FOLDERS) {
            SentencePieceModel model = SentencePieceModel.load(folder(f).resolve("spiece.model"));
            JsonObject converted = SentencePieceConverter.convert(model, 64, true);
            String shippedText = Files.readString(folder(f).resolve("tokenizer.json"));
            JsonObject shipped = JsonParser.parseString(shippedText).getAsJsonObject();
            for (String key : shipped.keySet()) {
                assertEquals(shipped.get(key), converted.get(key), "'" + f + "' tokenizer.json key " + key);
            }
            assertEquals(shipped.keySet(), converted.keySet());
            assertEquals(new Gson().toJson(shipped.keySet()), new Gson().toJson(converted.keySet()), "key order");
            assertEquals(shippedText, SentencePieceConverter.toJsonString(converted), "byte-identical text");
        }
    }

    @Test
    void paddingIsEosAndRowsAlwaysEndInEos() throws IOException {
        try (SiglipTokenizer t = SiglipTokenizer.load(Fixtures.dir());
                NDManager m = NDManager.newBaseManager()) {
            long[] empty = t.encode("");
            assertEquals(64, empty.length);
            for (long id : empty) {
                assertEquals(1, id, "padding must be </s> = 1, not 0");
            }
            long[] cat = t.encode("This is a photo of a cat.");
            assertArrayEquals(new long[] {263, 265, 259, 265, 260, 270, 259, 262, 260, 416, 1, 1},
                    Arrays.copyOf(cat, 12));
            assertEquals(List.of("▁th", "is", "▁", "is", "▁a", "▁photo", "▁", "of", "▁a", "▁cat", "</s>"),
                    t.tokenize("This is a photo of a cat."));
            NDArray nd = t.encode(texts(), m);
            assertEquals(DataType.INT64, nd.getDataType());
            assertArrayEquals(new long[] {19, 64}, nd.getShape().getShape());
            long[] flat = nd.toLongArray();
            for (int i = 0; i < 19; i++) {
                assertEquals(1, flat[i * 64 + 63], "row " + i + " ends in </s>");
            }
        }
    }

    @Test
    void tokenizerJsonWithoutPaddingBlockStillPadsWithEos() throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(Fixtures.file("tokenizer.json"))).getAsJsonObject();
        json.remove("padding");
        json.remove("truncation");
        for (boolean allowJava : new boolean[] {true, false}) {
            try (SiglipTokenizer t = SiglipTokenizer.fromJson(new Gson().toJson(json), 64, "no-padding tokenizer.json",
                    allowJava)) {
                assertEquals(allowJava, t.encodesInJava());
                List<String> texts = texts();
                assertIds(expectedIds(""), t.encode(texts), texts, "tokenizer.json without padding/truncation");
            }
        }
    }

    /** A tokenizer.json that is not our SigLIP conversion is run by the Rust library as written. */
    @Test
    void otherTokenizerJsonRunsOnTheRustLibrary() throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(Fixtures.file("tokenizer.json"))).getAsJsonObject();
        // no punctuation removal: not what SentencePieceConverter writes, so not the slow tokenizer
        json.getAsJsonObject("normalizer").getAsJsonArray("normalizers").remove(3);
        try (SiglipTokenizer t = SiglipTokenizer.fromJson(new Gson().toJson(json), 64, "other tokenizer.json")) {
            assertFalse(t.encodesInJava());
            long[] ids = t.encode("a photo, of a dog");
            assertEquals(64, ids.length);
            assertArrayEquals(t.encode("a photo of a dog"), t.encode("a photo of a dog"));
        }
        // lower-casing off is still a SigLIP conversion (do_lower_case false)
        JsonObject upper = JsonParser.parseString(Files.readString(Fixtures.file("tokenizer.json"))).getAsJsonObject();
        upper.getAsJsonObject("normalizer").getAsJsonArray("normalizers").remove(2);
        try (SiglipTokenizer t = SiglipTokenizer.fromJson(new Gson().toJson(upper), 64, "cased tokenizer.json")) {
            assertTrue(t.encodesInJava());
            assertFalse(Arrays.equals(t.encode("A PHOTO"), t.encode("a photo")));
        }
    }

    @Test
    void decodeAndTokenizeWork() throws IOException {
        for (String f : FOLDERS) {
            try (SiglipTokenizer t = SiglipTokenizer.load(folder(f))) {
                assertEquals("a photo of a dog", t.decode(t.encode("A photo of a dog!")));
                assertEquals(List.of("\u2581a", "\u2581photo", "\u2581", "of", "\u2581a", "\u2581dog", "</s>"),
                        t.tokenize("A photo of a dog</s>"));
                assertEquals(List.of("</s>"), t.tokenize("?!"));
            }
        }
        try (SiglipTokenizer t = SiglipTokenizer.load(Fixtures.dir())) {
            assertEquals(List.of("\u2581", "<0xF0>", "<0x9F>", "<0x99>", "<0x82>", "</s>"), t.tokenize("\uD83D\uDE42"));
        }
    }

    @Test
    void shorterMaxLengthTruncatesKeepingEos(@TempDir Path tmp) throws IOException {
        Path d = spieceOnly("", tmp);
        Files.writeString(d.resolve("tokenizer_config.json"), "{\"model_max_length\": 8, \"do_lower_case\": true}");
        try (SiglipTokenizer t = SiglipTokenizer.load(d)) {
            assertEquals(8, t.maxLength());
            // first 7 pieces of the long caption (HF: truncate to max_length - 1, then </s>)
            long[] full = expectedIds("")[18];
            long[] got = t.encode(texts().get(18));
            assertArrayEquals(Arrays.copyOf(full, 7), Arrays.copyOf(got, 7));
            assertEquals(1, got[7]);
            assertArrayEquals(new long[] {260, 270, 259, 262, 260, 418, 1, 1}, t.encode("a photo of a dog"));
        }
    }

    /** What sentencepiece itself refuses to load is refused with a message, not encoded somehow. */
    @Test
    void modelSentencepieceWouldRefuseIsAClearError(@TempDir Path tmp) throws IOException {
        SentencePieceModel good = SentencePieceModel.load(Fixtures.file("spiece.model"));
        List<SentencePieceModel.Piece> pieces = new java.util.ArrayList<>(good.pieces());
        pieces.set(300, pieces.get(301)); // one piece listed twice
        SiglipException e = assertThrows(SiglipException.class, () -> new SentencePieceSiglipEncoder(
                new SentencePieceModel(pieces, good.trainerSpec(), good.normalizerSpec()), true, 64, "dup.model"));
        assertTrue(e.getMessage().contains("dup.model: piece 301") && e.getMessage().contains("defined twice"),
                e.getMessage());
        List<SentencePieceModel.Piece> noUnk = new java.util.ArrayList<>(good.pieces());
        noUnk.set(2, new SentencePieceModel.Piece("<unk>", 0f, SentencePieceModel.PieceType.CONTROL));
        e = assertThrows(SiglipException.class, () -> new SentencePieceSiglipEncoder(
                new SentencePieceModel(noUnk, good.trainerSpec(), good.normalizerSpec()), true, 64, "nounk.model"));
        assertTrue(e.getMessage().contains("no piece of type UNKNOWN"), e.getMessage());
        List<SentencePieceModel.Piece> noByte = new java.util.ArrayList<>(good.pieces());
        noByte.set(3 + 0x41, new SentencePieceModel.Piece("no-byte-here", -20f, SentencePieceModel.PieceType.NORMAL));
        e = assertThrows(SiglipException.class, () -> new SentencePieceSiglipEncoder(
                new SentencePieceModel(noByte, good.trainerSpec(), good.normalizerSpec()), true, 64, "nobyte.model"));
        assertTrue(e.getMessage().contains("byte piece <0x41> is missing"), e.getMessage());
        // through load(): the file's name and the reason
        Path d = Files.createDirectories(tmp.resolve("dup"));
        Files.write(d.resolve("spiece.model"), SentencePieceFuzzTest.encode(
                new SentencePieceModel(pieces, good.trainerSpec(), good.normalizerSpec()), Integer.MAX_VALUE));
        e = assertThrows(SiglipException.class, () -> SiglipTokenizer.load(d));
        assertTrue(e.getMessage().contains("spiece.model: piece 301") && e.getMessage().contains("defined twice"),
                e.getMessage());
    }

    @Test
    void missingTokenizerIsAClearError(@TempDir Path tmp) {
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("spiece.model"), e.getMessage());
    }
}
