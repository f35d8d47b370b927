package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.Npy;

/**
 * SigLIP 2's Gemma tokenizer ({@code tokenizer.json}, BPE with byte fallback) against the ids that
 * transformers 5.18's {@code AutoTokenizer} gives for the same folder with
 * {@code padding="max_length", max_length=64, truncation=True}: {@code GemmaTokenizer} (FixRes
 * folder, no lower-casing) and {@code Siglip2Tokenizer} (NaFlex folder, lower-cases first).
 */
class GemmaTokenizerGoldenTest {

    static void assertIdsEqual(String folder) throws IOException {
        Path dir = Fixtures.dir(folder);
        JsonObject tokens = JsonParser.parseString(Files.readString(dir.resolve("expected/tokens.json")))
                .getAsJsonObject();
        List<String> texts = new ArrayList<>();
        for (JsonElement e : tokens.getAsJsonArray("texts")) {
            texts.add(e.getAsJsonObject().get("text").getAsString());
        }
        Npy.Array expected = Fixtures.expected(folder, "input_ids");
        long[] want = expected.longs();
        try (SiglipTokenizer tok = SiglipTokenizer.load(dir)) {
            assertFalse(tok.encodesInJava());
            assertEquals(64, tok.maxLength());
            assertEquals(0, tok.padId()); // <pad>
            long[][] got = tok.encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(Arrays.copyOfRange(want, i * 64, (i + 1) * 64), got[i], folder + " text " + i
                        + ": " + texts.get(i));
            }
            // the row of the longest text is truncated and still ends in <eos> (id 1)
            long[] longest = got[texts.size() - 1];
            assertEquals(1, longest[63]);
        }
    }

    @Test
    void gemmaTokenizerFolderMatchesHf() throws IOException {
        assertIdsEqual("siglip2-tiny-fixres");
    }

    @Test
    void siglip2TokenizerFolderLowercasesLikeHf() throws IOException {
        assertIdsEqual("siglip2-tiny-naflex");
        try (SiglipTokenizer tok = SiglipTokenizer.load(Fixtures.dir("siglip2-tiny-naflex"))) {
            assertArrayEquals(tok.encode("a photo of a bird"), tok.encode("A PHOTO OF A BIRD"));
        }
    }

    /** Without {@code padding_side} HF's Gemma / Siglip2 tokenizer classes pad on the left. */
    @Test
    void paddingSideDefaultsToLeftLikeHf() throws IOException {
        Path dir = Fixtures.dir("siglip2-tiny-naflex").resolve("tokenizer-default-side");
        JsonObject tokens = JsonParser.parseString(Files.readString(
                Fixtures.dir("siglip2-tiny-naflex").resolve("expected/tokens.json"))).getAsJsonObject();
        List<String> texts = new ArrayList<>();
        for (JsonElement e : tokens.getAsJsonArray("texts")) {
            texts.add(e.getAsJsonObject().get("text").getAsString());
        }
        long[] want = Npy.read(dir.resolve("input_ids.npy")).longs();
        try (SiglipTokenizer tok = SiglipTokenizer.load(dir)) {
            long[][] got = tok.encode(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(Arrays.copyOfRange(want, i * 64, (i + 1) * 64), got[i], "text " + i);
            }
            assertEquals(0, got[0][0]); // <pad> first
            // the pieces, wherever the padding is: HF's tokenize() plus the <eos> the post-processor adds
            List<String> pieces = new ArrayList<>();
            tokens.getAsJsonArray("texts").get(0).getAsJsonObject().getAsJsonArray("tokens")
                    .forEach(e -> pieces.add(e.getAsString()));
            pieces.add("<eos>");
            assertEquals(pieces, tok.tokenize(texts.get(0)));
        }
    }

    @Test
    void siglip2FolderWithoutTokenizerJsonSaysSo(@TempDir Path tmp) throws IOException {
        Files.copy(Fixtures.dir("siglip2-tiny-fixres").resolve("tokenizer_config.json"),
                tmp.resolve("tokenizer_config.json"));
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipTokenizer.load(tmp));
        assertTrue(e.getMessage().contains("needs its Gemma tokenizer.json"), e.getMessage());
    }
}
