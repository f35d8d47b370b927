package org.siglip4j.eval;

import java.util.Locale;

/**
 * big_vision-style text canonicalisation applied to prompts before tokenising (optional): lower
 * case, then {@link org.siglip4j.core.tokenizer.TextCanonicalizer} (ASCII punctuation removed,
 * runs of Python whitespace folded to one space, ends trimmed), the rules the tokenizer applies
 * too. SigLIP's published zero-shot numbers were produced on canonicalised prompts, and its
 * tokeniser was trained on canonicalised captions, so this can matter by a fraction of a point.
 * The rules themselves live once, in core's canonicaliser; this class only adds the lower case.
 */
public final class PromptCanonicalizer {

    private PromptCanonicalizer() {}

    /**
     * Canonicalises a text.
     *
     * @param text the text
     * @return lower-cased text without ASCII punctuation, whitespace folded
     */
    public static String canonicalize(String text) {
        return org.siglip4j.core.tokenizer.TextCanonicalizer.canonicalize(text.toLowerCase(Locale.ROOT));
    }
}
