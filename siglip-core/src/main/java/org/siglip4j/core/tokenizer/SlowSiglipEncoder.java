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
 *   <li>every other part: big_vision's {@code canonicalize_text} (delete ASCII
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
 * is split over the common fork-join pool. Immutable and thread-safe.
 */
final class SlowSiglipEncoder {
    /** Texts per parallel task: big enough to amortise the fork, small enough to balance. */
    private static final int CHUNK = 64;
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);
    private static final boolean[] PUNCTUATION = new boolean[128];
    private static final char[] ASCII_LOWER = new char[128];

    static {
        for (char c : "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".toCharArray()) {
            PUNCTUATION[c] = true;
        }
        for (char c = 0; c < 128; c++) {
            ASCII_LOWER[c] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
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
    /** Whether an added token starts with the ASCII char; whether one starts with another char. */
    private final boolean[] specialFirstAscii = new boolean[128];
    private final boolean specialFirstOther;
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
    SlowSiglipEncoder(SentencePieceModel model, boolean lowercase, int maxLength, String source) {
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
        boolean other = false;
        for (char[] t : specials) {
            if (t[0] < 128) {
                specialFirstAscii[t[0]] = true;
            } else {
                other = true;
            }
        }
        specialFirstOther = other;
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
        int m = lowerCased(text, w);
        char[] l = w.lower;
        w.firstIsSpaceMark = false;
        int count = 0;
        int start = 0;
        boolean first = true;
        while (true) {
            int special = -1;
            int at = start;
            for (; at < m && special < 0; at++) {
                char c = l[at];
                if (c < 128 ? specialFirstAscii[c] : specialFirstOther) {
                    special = specialAt(l, at, m);
                }
            }
            int end = special < 0 ? m : at - 1;
            count = encodePart(l, start, end, w, count);
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
            start = end + specials[special].length;
            if (count > limit && count >= 2) {
                return count;
            }
        }
    }

    /** Index of the added token that starts at {@code l[at]}, the longest if several, else -1. */
    private int specialAt(char[] l, int at, int m) {
        int found = -1;
        for (int s = 0; s < specials.length; s++) {
            char[] t = specials[s];
            if (t[0] == l[at] && at + t.length <= m && Arrays.equals(l, at, at + t.length, t, 0, t.length)
                    && (found < 0 || t.length > specials[found].length)) {
                found = s;
            }
        }
        return found;
    }

    /**
     * {@code "▁" + text.replace("▁", " ")} lower-cased into {@code w.lower}; returns its length.
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
            if (c < 0x80) {
                l[m++] = lowercase ? ASCII_LOWER[c] : c;
            } else if (c == '\u2581') {
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
     * Python's {@code str.lower} of one code point, appended to {@code out[at]} (at most 2 chars):
     * the JDK's simple lower-case mapping, plus U+0130 to {@code i̇} (the one unconditional
     * multi-character rule of SpecialCasing.txt) and the case pairs Unicode 14 added (Python 3.11+
     * knows them, JDK 17's Unicode 13 tables do not; a newer JDK already has them).
     *
     * @return the index after what was appended
     */
    static int appendPythonLower(char[] out, int at, int cp) {
        if (cp == 0x130) {
            out[at] = 'i';
            out[at + 1] = '\u0307';
            return at + 2;
        }
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
        return at + Character.toChars(l, out, at);
    }

    /** Python's {@code str.isspace} (= {@code \s} of {@code re} for str patterns). */
    static boolean isPythonSpace(char c) {
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
     * One part between added tokens: canonicalised into UTF-8 after the {@code <unk>} prefix,
     * encoded, the prefix's pieces dropped, the rest appended to {@code w.ids}.
     */
    private int encodePart(char[] l, int from, int to, Workspace w, int count) {
        int prefix = unkPrefix.length;
        byte[] u = w.ensureUtf8(prefix + 3 * (to - from));
        System.arraycopy(unkPrefix, 0, u, 0, prefix);
        int p = prefix;
        boolean space = false; // a whitespace run is pending (dropped if nothing follows)
        for (int k = from; k < to; k++) {
            char c = l[k];
            if (c < 0x80) {
                if (PUNCTUATION[c]) {
                    continue;
                }
                if (c <= 0x20 && isPythonSpace(c)) {
                    space = p > prefix;
                    continue;
                }
                if (space) {
                    u[p++] = ' ';
                    space = false;
                }
                u[p++] = (byte) c;
                continue;
            }
            if (isPythonSpace(c)) {
                space = p > prefix;
                continue;
            }
            if (space) {
                u[p++] = ' ';
                space = false;
            }
            if (c < 0x800) {
                u[p++] = (byte) (0xC0 | c >> 6);
                u[p++] = (byte) (0x80 | c & 0x3F);
            } else if (!Character.isSurrogate(c)) {
                u[p++] = (byte) (0xE0 | c >> 12);
                u[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                u[p++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && k + 1 < to && Character.isLowSurrogate(l[k + 1])) {
                int cp = Character.toCodePoint(c, l[++k]);
                u[p++] = (byte) (0xF0 | cp >> 18);
                u[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                u[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                u[p++] = (byte) (0x80 | cp & 0x3F);
            } else { // a lone surrogate (Python could not even encode it): U+FFFD
                u[p++] = (byte) 0xEF;
                u[p++] = (byte) 0xBF;
                u[p++] = (byte) 0xBD;
            }
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
