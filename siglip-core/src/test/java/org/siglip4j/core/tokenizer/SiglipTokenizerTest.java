package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** Tokenizer ids against HF's slow SiglipTokenizer (v4.45.1) for both fixture tokenizers. */
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
    void shippedTokenizerJsonMatchesHf() throws IOException {
        List<String> texts = texts();
        for (String f : FOLDERS) {
            try (SiglipTokenizer t = SiglipTokenizer.load(folder(f))) {
                assertEquals(64, t.maxLength());
                assertEquals(1, t.padId());
                assertIds(expectedIds(f), t.encode(texts), texts, "tokenizer.json of '" + f + "'");
            }
        }
    }

    @Test
    void convertedSpieceModelMatchesHf(@TempDir Path tmp) throws IOException {
        List<String> texts = texts();
        for (String f : FOLDERS) {
            try (SiglipTokenizer t = SiglipTokenizer.load(spieceOnly(f, tmp))) {
                assertIds(expectedIds(f), t.encode(texts), texts, "converted spiece.model of '" + f + "'");
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
        try (SiglipTokenizer t = SiglipTokenizer.fromJson(new Gson().toJson(json), 64, "no-padding tokenizer.json")) {
            List<String> texts = texts();
            assertIds(expectedIds(""), t.encode(texts), texts, "tokenizer.json without padding/truncation");
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

    @Test
    void missingTokenizerIsAClearError(@TempDir Path tmp) {
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("spiece.model"), e.getMessage());
    }
}
