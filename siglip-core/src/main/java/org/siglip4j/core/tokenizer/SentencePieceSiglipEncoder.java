package org.siglip4j.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.ObjIntConsumer;
import java.util.stream.IntStream;
import org.siglip4j.core.SiglipException;

/**
 * Hugging Face's slow {@code SiglipTokenizer} (transformers v4.45, {@code tokenization_siglip.py}
 * with {@code PreTrainedTokenizer.tokenize}) called as {@code tokenizer(texts,
 * padding="max_length", truncation=True)}, in Java on top of {@link SentencePieceEncoder}:
 *
 * <ol>
 *   <li>{@code "▁" + text.replace("▁", " ")}, then (with {@code do_lower_case}) every character
 *       lower-cased on its own like Python's {@code str.lower} (HF's {@code re.sub} over
 *       {@code (.+?)} gives no final-sigma context; {@code İ} becomes {@code i̇});</li>
 *   <li>the added tokens {@code </s>} and {@code <unk>} are split out (their lstrip/rstrip only
 *       removes whitespace that the canonicalisation below removes anyway);</li>
 *   <li>every other part: big_vision's {@code canonicalize_text} ({@link TextCanonicalizer}: delete ASCII
 *       {@code string.punctuation}, collapse runs of Python whitespace to one space, strip), then
 *       sentencepiece on {@code "<unk>" + part} with the pieces of {@code "<unk>"} dropped, exactly
 *       as HF does to keep the leading {@code ▁} (so a part starting with an unknown character or
 *       a combining mark interacts with that {@code >} as it does in HF);</li>
 *   <li>a lone leading {@code ▁} before a special token is dropped; ids via {@code piece_to_id};</li>
 *   <li>cut to {@code max_length - 1} ids, {@code </s>} appended unless the ids already end with
 *       it, right-padded with {@code </s>}.</li>
 * </ol>
 *
 * <p>No regex, no per-character objects: each thread reuses its {@link Workspace}; a large batch
 * is split over the common fork-join pool. Immutable and thread-safe. It reproduces the ids of
 * HF's slow (sentencepiece-based) tokenizer but is not slow: the name says what it encodes with.
 */
final class SentencePieceSiglipEncoder {
    /** Texts per parallel task: big enough to amortise the fork, small enough to balance. */
    private static final int CHUNK = 64;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final char[] ASCII_LOWER = new char[128];
    /** What canonicalisation does with an ASCII char: {@link #DROP}, {@link #SPACE}, else the byte to write. */
    private static final byte[] ASCII_KEEP = new byte[128];
    private static final byte[] ASCII_KEEP_LOWERED = new byte[128];
    private static final byte DROP = -1;
    private static final byte SPACE = -2;
    private static final byte[] SPACE_MARK = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};

    static {
        for (char c = 0; c < 128; c++) {
            ASCII_LOWER[c] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
            byte keep = TextCanonicalizer.isPunctuation(c) ? DROP : TextCanonicalizer.isWhitespace(c) ? SPACE : (byte) c;
            ASCII_KEEP[c] = keep;
            ASCII_KEEP_LOWERED[c] = keep >= 0 ? (byte) ASCII_LOWER[c] : keep;
        }
    }

    private final SentencePieceEncoder sp;
    private final boolean lowercase;
    private final int maxLength;
    private final int eosId;
    private final int padId;
    /** The added tokens HF splits out: {@code </s>} and {@code <unk>} as the model spells them. */
    private final char[][] specials;
    private final int[] specialIds;
    /**
     * Whether added tokens can be found in the text as given, lower-casing each char while
     * comparing (true unless a token holds {@code ▁}, {@code i}, U+0307 or a surrogate, the chars a
     * one-char comparison could miss); else the whole text is lower-cased first.
     */
    private final boolean splitRaw;
    /** The chars (as found where the search runs) that may start an added token. */
    private final boolean[] mayStartSpecial = new boolean[65536];
    /** HF's {@code unk_token}, put in front of every part, with its {@code unk_token_length}. */
    private final byte[] unkPrefix;
    private final SentencePieceEncoder.Prefix unkEncoded;

    /**
     * @param model a Unigram sentencepiece model with {@code </s>} and an unknown piece
     * @param lowercase {@code do_lower_case}
     * @param maxLength {@code model_max_length}: ids per row
     * @param source a name for error messages
     * @throws SiglipException if sentencepiece would refuse the model
     */
    SentencePieceSiglipEncoder(SentencePieceModel model, boolean lowercase, int maxLength, String source) {
        this(model, lowercase, maxLength, source, true);
    }

    /** As above; {@code searchRaw} false forces the lower-case-everything-first path (for tests). */
    SentencePieceSiglipEncoder(SentencePieceModel model, boolean lowercase, int maxLength, String source,
            boolean searchRaw) {
        if (maxLength < 1) {
            throw new SiglipException("max length must be at least 1, got " + maxLength);
        }
        this.sp = new SentencePieceEncoder(model, source);
        this.lowercase = lowercase;
        this.maxLength = maxLength;
        this.eosId = SentencePieceConverter.eosId(model);
        this.padId = eosId; // SigLIP's pad_token is "</s>"
        String eos = sp.piece(eosId);
        String unk = sp.piece(sp.unkId());
        specials = eos.equals(unk) ? new char[][] {eos.toCharArray()} : new char[][] {eos.toCharArray(), unk.toCharArray()};
        specialIds = eos.equals(unk) ? new int[] {eosId} : new int[] {eosId, sp.unkId()};
        boolean raw = searchRaw;
        for (char[] t : specials) {
            for (char c : t) {
                raw &= c != '\u2581' && c != 'i' && c != '\u0307' && !Character.isSurrogate(c);
            }
        }
        splitRaw = raw;
        for (int c = 0; c < 65536; c++) {
            int seen = splitRaw && lowercase ? lowerChar((char) c) : c;
            for (char[] t : specials) {
                mayStartSpecial[c] |= t[0] == seen;
            }
        }
        unkPrefix = unk.getBytes(StandardCharsets.UTF_8);
        unkEncoded = sp.prefix(unkPrefix);
    }

    /** @return ids per row */
    int maxLength() {
        return maxLength;
    }

    /** @return the padding id ({@code </s>}) */
    int padId() {
        return padId;
    }

    /** @return the sentencepiece part, for piece texts */
    SentencePieceEncoder pieces() {
        return sp;
    }

    /**
     * HF's {@code convert_tokens_to_ids(tokenize(text))}: no truncation, no {@code </s>}.
     *
     * @param text any text
     * @return the ids
     */
    int[] tokenIds(String text) {
        Workspace w = WORKSPACE.get();
        int n = tokenIds(text, w, Integer.MAX_VALUE);
        return Arrays.copyOf(w.ids, n);
    }

    /**
     * The row before padding: the ids cut to {@code maxLength - 1}, then {@code </s>} unless they
     * end with it.
     *
     * @param text any text
     * @return between 1 and {@code maxLength} ids
     */
    int[] unpaddedRow(String text) {
        long[] row = new long[maxLength];
        int n = encodeRow(text, row, 0, WORKSPACE.get());
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) row[i];
        }
        return out;
    }

    /**
     * Encodes a batch into {@code [texts.size(), maxLength]} row-major ids, in parallel when the
     * batch is large.
     *
     * @param texts texts (no nulls)
     * @param out receives {@code texts.size() * maxLength} ids
     */
    void encode(List<String> texts, long[] out) {
        forEach(texts.size(), (w, i) -> encodeRow(texts.get(i), out, i * maxLength, w));
    }

    /**
     * Encodes a batch into one array per row, in parallel when the batch is large.
     *
     * @param texts texts (no nulls)
     * @param rows receives {@code texts.size()} new rows of {@code maxLength} ids
     */
    void encode(List<String> texts, long[][] rows) {
        forEach(texts.size(), (w, i) -> {
            rows[i] = new long[maxLength];
            encodeRow(texts.get(i), rows[i], 0, w);
        });
    }

    /** Runs {@code body} for texts {@code 0..n-1}: chunks over the common pool when there are enough. */
    private static void forEach(int n, ObjIntConsumer<Workspace> body) {
        int tasks = (n + CHUNK - 1) / CHUNK;
        if (tasks < 2 || Runtime.getRuntime().availableProcessors() < 2) {
            Workspace w = WORKSPACE.get();
            for (int i = 0; i < n; i++) {
                body.accept(w, i);
            }
            return;
        }
        IntStream.range(0, tasks).parallel().forEach(t -> {
            Workspace w = WORKSPACE.get();
            for (int i = t * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
                body.accept(w, i);
            }
        });
    }

    /** Writes one padded row at {@code out[offset]}; returns its length before padding. */
    private int encodeRow(String text, long[] out, int offset, Workspace w) {
        int limit = maxLength - 1;
        int n = tokenIds(text, w, limit);
        int keep = Math.min(n, limit);
        int[] ids = w.ids;
        for (int i = 0; i < keep; i++) {
            out[offset + i] = ids[i];
        }
        int len = keep;
        if (keep == 0 || ids[keep - 1] != eosId) {
            out[offset + len++] = eosId;
        }
        Arrays.fill(out, offset + len, offset + maxLength, padId);
        return len;
    }

    /**
     * The ids of {@code text} into {@code w.ids}; stops after the part that brings them past
     * {@code limit} (a row never needs more).
     */
    private int tokenIds(String text, Workspace w, int limit) {
        char[] src;
        int m;
        if (splitRaw) {
            m = text.length();
            src = w.ensureText(m);
            text.getChars(0, m, src, 0);
        } else {
            m = lowerCased(text, w);
            src = w.lower;
        }
        boolean lowerHere = splitRaw && lowercase;
        w.firstIsSpaceMark = false;
        int count = 0;
        int start = 0;
        boolean first = true;
        while (true) {
            int special = -1;
            int at = start;
            for (; at < m; at++) {
                if (mayStartSpecial[src[at]] && (special = specialAt(src, at, m, lowerHere)) >= 0) {
                    break;
                }
            }
            count = encodePart(src, start, at, first && splitRaw, w, count);
            if (special < 0) {
                return count;
            }
            // "▁" alone before a special token: HF's SiglipTokenizer.tokenize drops it
            if (first && count == 1 && w.firstIsSpaceMark) {
                count = 0;
            }
            first = false;
            w.ensureIds(count + 1);
            w.ids[count++] = specialIds[special];
            start = at + specials[special].length;
            if (count > limit && count >= 2) {
                return count;
            }
        }
    }

    /**
     * Index of the added token that starts at {@code src[at]} (each char lower-cased first when
     * {@code lowerHere}), the longest if several, else -1.
     */
    private int specialAt(char[] src, int at, int m, boolean lowerHere) {
        int found = -1;
        for (int s = 0; s < specials.length; s++) {
            char[] t = specials[s];
            if (at + t.length > m || (found >= 0 && t.length <= specials[found].length)) {
                continue;
            }
            int j = 0;
            while (j < t.length && (lowerHere ? lowerChar(src[at + j]) : src[at + j]) == t[j]) {
                j++;
            }
            if (j == t.length) {
                found = s;
            }
        }
        return found;
    }

    /** Python's lower-casing of one BMP char when it is one char; -1 for U+0130 (two chars). */
    private static int lowerChar(char c) {
        return c < 0x80 ? ASCII_LOWER[c] : c == '\u0130' ? -1 : Character.isSurrogate(c) ? c : pythonLower(c);
    }

    /**
     * {@code "▁" + text.replace("▁", " ")} lower-cased into {@code w.lower}; returns its length.
     * Only for added tokens that the search on the text as given could miss.
     */
    private int lowerCased(String text, Workspace w) {
        int len = text.length();
        char[] t = w.ensureText(len);
        text.getChars(0, len, t, 0);
        char[] l = w.ensureLower(2 * len + 1);
        int m = 0;
        l[m++] = '\u2581';
        for (int i = 0; i < len; i++) {
            char c = t[i];
            if (c == '\u2581') {
                l[m++] = ' ';
            } else if (!lowercase) {
                l[m++] = c;
            } else if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(t[i + 1])) {
                m = appendPythonLower(l, m, Character.toCodePoint(c, t[++i]));
            } else {
                m = appendPythonLower(l, m, c); // a lone surrogate stays as it is
            }
        }
        return m;
    }

    /**
     * Python's {@code str.lower} of one code point, appended to {@code out[at]} (at most 2 chars).
     *
     * @return the index after what was appended
     */
    static int appendPythonLower(char[] out, int at, int cp) {
        if (cp == 0x130) { // the one unconditional multi-character rule of SpecialCasing.txt
            out[at] = 'i';
            out[at + 1] = '\u0307';
            return at + 2;
        }
        return at + Character.toChars(pythonLower(cp), out, at);
    }

    /**
     * Python's {@code str.lower} of a code point other than U+0130: the JDK's simple lower-case
     * mapping plus the case pairs Unicode 14 added (Python 3.11+ knows them, JDK 17's Unicode 13
     * tables do not; a newer JDK already has them).
     */
    private static int pythonLower(int cp) {
        int l = Character.toLowerCase(cp);
        if (l == cp) {
            if (cp == 0x2C2F) {
                l = 0x2C5F;
            } else if (cp == 0xA7C0 || cp == 0xA7D0 || cp == 0xA7D6 || cp == 0xA7D8) {
                l = cp + 1;
            } else if (cp >= 0x10570 && cp <= 0x10595 && cp != 0x1057B && cp != 0x1058B && cp != 0x10593) {
                l = cp + 0x27; // Vithkuqi
            }
        }
        return l;
    }

    /**
     * One part between added tokens: canonicalised into UTF-8 after the {@code <unk>} prefix,
     * encoded, the prefix's pieces dropped, the rest appended to {@code w.ids}. When the search ran
     * on the text as given ({@code splitRaw}), this is also where chars are lower-cased, {@code ▁}
     * counts as a space and the first part gets HF's leading {@code ▁} ({@code mark}).
     */
    private int encodePart(char[] src, int from, int to, boolean mark, Workspace w, int count) {
        int prefix = unkPrefix.length;
        byte[] u = w.ensureUtf8(prefix + 3 + 3 * (to - from));
        System.arraycopy(unkPrefix, 0, u, 0, prefix);
        int p = prefix;
        if (mark) {
            u[p++] = SPACE_MARK[0];
            u[p++] = SPACE_MARK[1];
            u[p++] = SPACE_MARK[2];
        }
        boolean lower = splitRaw && lowercase;
        byte[] ascii = lower ? ASCII_KEEP_LOWERED : ASCII_KEEP;
        boolean space = false; // a whitespace run is pending (dropped if nothing follows)
        for (int k = from; k < to; k++) {
            char c = src[k];
            if (c < 0x80) {
                byte b = ascii[c];
                if (b >= 0) {
                    if (space) {
                        u[p++] = ' ';
                        space = false;
                    }
                    u[p++] = b;
                } else if (b == SPACE) {
                    space = p > prefix;
                }
                continue;
            }
            if (TextCanonicalizer.isWhitespace(c) || (splitRaw && c == '\u2581')) {
                space = p > prefix;
                continue;
            }
            if (space) {
                u[p++] = ' ';
                space = false;
            }
            int cp = c;
            if (Character.isHighSurrogate(c) && k + 1 < to && Character.isLowSurrogate(src[k + 1])) {
                cp = Character.toCodePoint(c, src[++k]);
            } else if (Character.isSurrogate(c)) {
                cp = 0xFFFD; // a lone surrogate (Python could not even encode it)
            }
            if (lower) {
                if (cp == 0x130) {
                    u[p++] = 'i';
                    cp = 0x307;
                } else {
                    cp = pythonLower(cp);
                }
            }
            p = putUtf8(u, p, cp);
        }
        if (p == prefix) { // nothing left: HF encodes "<unk>" alone and keeps none of it
            return count;
        }
        SentencePieceEncoder.Workspace sw = w.sp;
        int n = sp.encodeAfter(unkEncoded, u, p, sw);
        w.ensureIds(count + n);
        if (count == 0 && n > 0) {
            w.firstIsSpaceMark = sp.isSpaceMark(sw, 0);
        }
        System.arraycopy(sw.pieceIds, 0, w.ids, count, n);
        return count + n;
    }

    private static int putUtf8(byte[] u, int p, int cp) {
        if (cp < 0x80) {
            u[p++] = (byte) cp;
        } else if (cp < 0x800) {
            u[p++] = (byte) (0xC0 | cp >> 6);
            u[p++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            u[p++] = (byte) (0xE0 | cp >> 12);
            u[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
            u[p++] = (byte) (0x80 | cp & 0x3F);
        } else {
            u[p++] = (byte) (0xF0 | cp >> 18);
            u[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
            u[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
            u[p++] = (byte) (0x80 | cp & 0x3F);
        }
        return p;
    }

    /** Per-thread scratch space. */
    static final class Workspace {
        final SentencePieceEncoder.Workspace sp = new SentencePieceEncoder.Workspace();
        char[] text = new char[256];
        char[] lower = new char[256];
        byte[] utf8 = new byte[512];
        int[] ids = new int[128];
        boolean firstIsSpaceMark;

        char[] ensureText(int size) {
            if (text.length < size) {
                text = new char[Math.max(size, text.length * 2)];
            }
            return text;
        }

        char[] ensureLower(int size) {
            if (lower.length < size) {
                lower = new char[Math.max(size, lower.length * 2)];
            }
            return lower;
        }

        byte[] ensureUtf8(int size) {
            if (utf8.length < size) {
                utf8 = new byte[Math.max(size, utf8.length * 2)];
            }
            return utf8;
        }

        void ensureIds(int size) {
            if (ids.length < size) {
                ids = Arrays.copyOf(ids, Math.max(size, ids.length * 2));
            }
        }
    }
}
