package org.siglip4j.eval;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * big_vision-style text canonicalisation applied to prompts before tokenising (optional): lower
 * case, ASCII punctuation removed, runs of whitespace folded to one space, ends trimmed. SigLIP's
 * published zero-shot numbers were produced on canonicalised prompts, and its tokeniser was trained
 * on canonicalised captions, so this can matter by a fraction of a point.
 */
public final class TextCanonicalizer {

    private static final Pattern PUNCTUATION = Pattern.compile("\\p{Punct}");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private TextCanonicalizer() {}

    /**
     * Canonicalises a text.
     *
     * @param text the text
     * @return lower-cased text without ASCII punctuation, whitespace folded
     */
    public static String canonicalize(String text) {
        String s = text.toLowerCase(Locale.ROOT);
        s = PUNCTUATION.matcher(s).replaceAll("");
        return SPACES.matcher(s).replaceAll(" ").strip();
    }
}
