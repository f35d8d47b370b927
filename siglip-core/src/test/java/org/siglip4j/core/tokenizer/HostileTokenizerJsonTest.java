package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.fuzz.HostileRegressionChild;
import org.siglip4j.core.testing.ChildJvm;

/**
 * Regression tests for tokenizer.json files found by an independent fuzzing run: three that
 * aborted the JVM inside the Rust tokenizers library, one that kept it busy for over a minute, and
 * ones whose exceptions escaped. Each must now be refused in Java with one clear line; the abort
 * cases are also run in a child JVM, so a regression shows as a failed test, not a dead build.
 */
class HostileTokenizerJsonTest {
    @TempDir
    Path tmp;

    static final String TEMPLATE_OK = "{\"type\":\"TemplateProcessing\",\"single\":[{\"Sequence\":{\"id\":\"A\",\"type_id\":0}},"
            + "{\"SpecialToken\":{\"id\":\"</s>\",\"type_id\":0}}],\"pair\":[],\"special_tokens\":%s}";

    static String tokenizer(String model, String post, String added) {
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":" + added
                + ",\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":" + post
                + ",\"decoder\":null,\"model\":" + model + "}";
    }

    static final String WORD_LEVEL_UNK_MISSING = tokenizer(
            "{\"type\":\"WordLevel\",\"vocab\":{\"a\":0,\"</s>\":1},\"unk_token\":\"[UNK]\"}", "null", "[]");
    static final String TEMPLATE_EMPTY_SPECIALS = tokenizer(
            "{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}",
            String.format(TEMPLATE_OK, "{}"), "[]");
    static final String UNIGRAM_NO_UNK = tokenizer(
            "{\"type\":\"Unigram\",\"unk_id\":null,\"byte_fallback\":false,\"vocab\":[[\"</s>\",0.0],[\"a\",-1.0]]}",
            "null", "[]");

    /** A 94,305-char Unigram piece: the native trie overflowed its stack (SIGSEGV) when built or freed. */
    static final String UNIGRAM_LONG_PIECE = tokenizer(
            "{\"type\":\"Unigram\",\"unk_id\":0,\"byte_fallback\":false,\"vocab\":[[\"<unk>\",0.0],[\"</s>\",0.0],[\""
                    + "x".repeat(94_305) + "\",-1.0]]}", "null",
            "[{\"id\":1,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                    + "\"normalized\":false,\"special\":true}]");

    /** Padding to a multiple of 2^31: the native code allocated rows of billions of ids and aborted. */
    static final String HUGE_PADDING = tokenizer(
            "{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}", "null", "[]")
            .replace("\"padding\":null", "\"padding\":{\"strategy\":{\"Fixed\":0},\"direction\":\"Right\","
                    + "\"pad_to_multiple_of\":2147483648,\"pad_id\":1,\"pad_type_id\":0,\"pad_token\":\"</s>\"}");

    static final String END_TOKEN = "{\"id\":1,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
            + "\"normalized\":false,\"special\":true}";

    /**
     * Found by the structure-aware suite: a Strip normaliser and a normalised added token " ",
     * which normalises to nothing; the native added-token matcher sliced inside a character.
     */
    static final String ERASED_ADDED_TOKEN = tokenizer(
            "{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}", "null",
            "[" + END_TOKEN + ",{\"id\":2,\"content\":\" \",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                    + "\"normalized\":true,\"special\":false}]")
            .replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}");

    /** Found by the structure-aware suite: a Replace regex with a zero-width match ((?=x)). */
    static final String ZERO_WIDTH_REPLACE = tokenizer(
            "{\"type\":\"BPE\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\",\"merges\":[],"
                    + "\"byte_fallback\":true,\"dropout\":null}", "null", "[" + END_TOKEN + "]")
            .replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"(?=x)\"},"
                    + "\"content\":\"b\"}")
            .replace("{\"type\":\"Whitespace\"}", "{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
                    + "\"trim_offsets\":true,\"use_regex\":false}");

    static SiglipException refused(String json) {
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipTokenizer.fromJson(json, 16, "t.json"));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void structuresThatAbortedTheJvmAreRefusedInJava() {
        assertTrue(refused(WORD_LEVEL_UNK_MISSING).getMessage().contains("unk_token \"[UNK]\" is not in its vocab"));
        assertTrue(refused(TEMPLATE_EMPTY_SPECIALS).getMessage().contains("'</s>', which is not in special_tokens"));
        assertTrue(refused(UNIGRAM_NO_UNK).getMessage().contains("Unigram model needs an unk_id"));
        assertTrue(refused(UNIGRAM_LONG_PIECE).getMessage().contains("a vocab piece is 94305 chars long"));
        assertTrue(refused(ERASED_ADDED_TOKEN).getMessage().contains("a normaliser may erase all of it"));
        assertTrue(refused(ZERO_WIDTH_REPLACE).getMessage().contains("matches an empty string"));
        // the same files made consistent are accepted and encode
        String fixed = String.format(TEMPLATE_OK, "{\"</s>\":{\"id\":\"</s>\",\"ids\":[1],\"tokens\":[\"</s>\"]}}");
        try (SiglipTokenizer t = SiglipTokenizer.fromJson(tokenizer(
                "{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1,\"a\":2},\"unk_token\":\"<unk>\"}", fixed,
                "[{\"id\":1,\"content\":\"</s>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}]"),
                4, "t.json")) {
            assertEquals(List.of(2L, 0L, 1L, 1L), java.util.Arrays.stream(t.encode("a zz")).boxed().toList());
        }
    }

    @Test
    void abortCasesRunInAChildJvmEndInRejections() throws Exception {
        List<String> files = new ArrayList<>();
        int i = 0;
        for (String json : List.of(WORD_LEVEL_UNK_MISSING, TEMPLATE_EMPTY_SPECIALS, UNIGRAM_NO_UNK, UNIGRAM_LONG_PIECE,
                HUGE_PADDING, ERASED_ADDED_TOKEN, ZERO_WIDTH_REPLACE)) {
            Path f = tmp.resolve("t" + i++ + ".json");
            Files.writeString(f, json);
            files.add(f.toString());
        }
        List<String> args = new ArrayList<>(List.of("tokenizer"));
        args.addAll(files);
        try (ChildJvm child = ChildJvm.start(HostileRegressionChild.class, args.toArray(String[]::new))) {
            List<String> lines = new ArrayList<>();
            String line;
            while ((line = child.nextLine(120)) != null && !line.equals("DONE")) {
                if (line.startsWith("rejected") || line.startsWith("ok") || line.startsWith("escape")) {
                    lines.add(line);
                }
            }
            assertEquals("DONE", line, "the child died (JVM abort?) after " + lines + "; exit "
                    + (child.process().isAlive() ? "alive" : child.process().waitFor()));
            assertEquals(7, lines.size(), lines.toString());
            lines.forEach(l -> assertTrue(l.startsWith("rejected "), l));
        }
    }

    @Test
    void oneHundredThousandAddedTokensAreRefusedBeforeTheNativeLibrary() {
        StringBuilder added = new StringBuilder("[");
        for (int i = 0; i < 100_000; i++) {
            added.append(i > 0 ? "," : "").append("{\"id\":").append(2 + i).append(",\"content\":\"tok").append(i)
                    .append("\",\"special\":false}");
        }
        String json = tokenizer("{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}",
                "null", added.append(']').toString());
        assertTrue(refused(json).getMessage().contains("100000 added_tokens, more than the 10000 accepted"));
        // one 50,000-char added token kept the native matcher busy for 40 s per text
        String longToken = tokenizer("{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}",
                "null", "[{\"id\":2,\"content\":\"" + "x".repeat(50_000) + "\",\"lstrip\":true}]");
        assertTrue(refused(longToken).getMessage().contains("added_tokens[0] is 50000 chars long"));
    }

    @Test
    void escapingExceptionsBecomeOneLineErrors() {
        // an added token without content used to escape as a NullPointerException
        String noContent = tokenizer("{\"type\":\"WordLevel\",\"vocab\":{\"<unk>\":0,\"</s>\":1},\"unk_token\":\"<unk>\"}",
                "null", "[{\"id\":1,\"special\":true}]");
        assertTrue(refused(noContent).getMessage().contains("added_tokens[0] has no non-empty string \"content\""));
        String deep = "{\"model\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertTrue(refused(deep).getMessage().contains("JSON nests deeper than 64 levels"));
        assertTrue(refused(HUGE_PADDING).getMessage().contains("pad_to_multiple_of"));
        assertTrue(refused("[1]").getMessage().contains("not a tokenizer.json object"));
    }
}
