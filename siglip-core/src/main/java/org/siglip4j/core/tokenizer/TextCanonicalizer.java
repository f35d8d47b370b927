package org.siglip4j.core.tokenizer;

/**
 * big_vision's text canonicalisation, as transformers' {@code SiglipTokenizer.canonicalize_text}
 * writes it: delete ASCII punctuation (Python's {@code string.punctuation}), fold every run of
 * whitespace ({@code re.sub(r"\s+", " ", text)}, Python's Unicode whitespace) to one space, strip
 * the ends. The one definition of those rules: the tokenizer's encoder ({@code
 * SentencePieceSiglipEncoder}) applies them char by char while it writes UTF-8, the evaluation to
 * whole prompts.
 */
public final class TextCanonicalizer {
    /** Python's {@code string.punctuation}: every ASCII punctuation character. */
    public static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private TextCanonicalizer() {}

    /** Whether canonicalisation deletes {@code c}. */
    public static boolean isPunctuation(char c) {
        return c < 0x80 && PUNCTUATION.indexOf(c) >= 0;
    }

    /**
     * Python's {@code str.isspace} (what {@code \s} matches in a {@code str} pattern) for a char:
     * ASCII's six, the separators 0x1C-0x1F, NEL, NBSP and Unicode's space separators. Java's
     * {@code \s} knows only the ASCII ones, and {@link Character#isWhitespace} leaves out NBSP.
     */
    public static boolean isWhitespace(char c) {
        if (c <= 0x20) {
            return c >= 0x1C || (c >= 0x09 && c <= 0x0D);
        }
        if (c < 0x85) {
            return false;
        }
        return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    /**
     * Canonicalises a text (no lower-casing: the tokenizer lower-cases as a step of its own).
     *
     * @param text the text
     * @return the text without ASCII punctuation, whitespace runs folded to one space, ends stripped
     */
    public static String canonicalize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean space = false; // a whitespace run is pending (dropped at either end)
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isPunctuation(c)) {
                continue;
            }
            if (isWhitespace(c)) {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        return out.toString();
    }
}
