package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The canonicaliser against transformers 5.18's {@code SiglipTokenizer.canonicalize_text}
 * (scripts/reference/canonicalize_text.py printed the expected strings), with and without
 * {@code do_lower_case}: Python's Unicode whitespace (NBSP, ideographic space, NEL, 0x1C) folds
 * like ASCII's, and only ASCII punctuation goes.
 */
class TextCanonicalizerTest {
    private static final String[][] CASES = {
        {"  It's a T-shirt!\t", "Its a Tshirt", "its a tshirt"},
        {"a\u00a0photo\u3000of  a\ncat.", "a photo of a cat", "a photo of a cat"},
        {"\u2003(Hello), World\u2029", "Hello World", "hello world"},
        {"no_punct_here", "nopuncthere", "nopuncthere"},
        {"\u0085x\u001cy ", "x y", "x y"},
        {"caf\u00e9 \u00abquote\u00bb", "caf\u00e9 \u00abquote\u00bb", "caf\u00e9 \u00abquote\u00bb"},
    };

    @Test
    void matchesTransformersCanonicalizeText() {
        for (String[] c : CASES) {
            assertEquals(c[1], TextCanonicalizer.canonicalize(c[0]), c[0]);
            assertEquals(c[2], TextCanonicalizer.canonicalize(c[0].toLowerCase(Locale.ROOT)), c[0]);
        }
    }
}
