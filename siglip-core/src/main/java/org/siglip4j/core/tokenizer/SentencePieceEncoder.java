package org.siglip4j.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.tokenizer.SentencePieceModel.Piece;
import org.siglip4j.core.tokenizer.SentencePieceModel.PieceType;

/**
 * sentencepiece's {@code SentencePieceProcessor::Encode} for a Unigram model, in Java, with the
 * semantics of the C++ library (v0.1.9x) rather than of the Rust {@code tokenizers} port:
 *
 * <ol>
 *   <li>{@code Normalizer::Normalize}: at each position the longest user-defined piece is copied
 *       as is, else the longest rule of the {@code precompiled_charsmap} that is a prefix of the
 *       remaining UTF-8 bytes is replaced, else one UTF-8 character is copied; spaces become
 *       {@code ▁}, runs of them collapse and leading/trailing ones go
 *       ({@code remove_extra_whitespaces}). No dummy prefix: Hugging Face switches it off.</li>
 *   <li>{@code Model::EncodeOptimized}: Viterbi over UTF-8 byte positions with the pieces' float
 *       scores. A candidate path score is a double (piece score + the float best score at its
 *       start) compared with the float stored at its end and stored rounded to float; on a tie the
 *       earlier start wins. A character without a one-character piece gets an unknown node scored
 *       {@code min score - 10} (float arithmetic); user-defined pieces score
 *       {@code bytes * max score - 0.1}; unused pieces are skipped. Ties therefore break exactly as
 *       in sentencepiece, which the Rust port (f64 sums) does not always do.</li>
 *   <li>{@code PopulateSentencePieceText}: an unknown piece becomes one {@code <0xXX>} piece per
 *       UTF-8 byte when the model has {@code byte_fallback}; otherwise a run of unknown pieces is
 *       fused into one.</li>
 * </ol>
 *
 * <p>The result is the list {@code EncodeAsPieces} returns, as ids and normalised byte ranges.
 * Immutable and thread-safe; all scratch space lives in a caller-owned {@link Workspace}.
 */
final class SentencePieceEncoder {
    /** sentencepiece's {@code kUnkPenalty}. */
    private static final float UNK_PENALTY = 10f;
    /**
     * How {@code ▁} (U+2581, UTF-8 {@code E2 96 81}) is held in the normalised text and in the
     * vocabulary trie: as the one byte 0xFF, which UTF-8 never uses. A word start then costs one
     * trie step instead of three; byte fallback and piece texts expand it back.
     */
    private static final byte MARK = (byte) 0xFF;
    private static final byte[] REPLACEMENT_CHAR = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final DoubleArrayTrie pieces;
    private final DoubleArrayTrie userDefined;
    private final PrecompiledCharsmap charsmap;
    /**
     * Lattice score per piece id, as sentencepiece computes it (a double in its optimised encoder):
     * the score of a normal piece, {@code bytes * max score - 0.1} of a user-defined one.
     */
    private final double[] latticeScores;
    /** ASCII bytes that normalise to themselves (no user-defined piece, no charsmap rule). */
    private final boolean[] asciiPlain = new boolean[128];
    private final int unkId;
    private final float unkScore;
    private final boolean byteFallback;
    private final int[] byteIds = new int[256];
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final String[] pieceTexts;
    /**
     * HF turns piece strings back into ids with {@code piece_to_id}, which looks at the control,
     * unknown and byte pieces first: a lattice piece whose text is also such a piece's text gets
     * that id. The identity for any sane model.
     */
    private final int[] idOfText;
    /**
     * Reserved or unused pieces made only of characters without a one-character piece: a fused
     * run of unknown characters with such a text gets its id from {@code piece_to_id}, not the
     * unknown id. Usually empty, so unknown runs cost no string.
     */
    private final Map<String, Integer> namedUnknownRuns = new HashMap<>();

    /**
     * Checks the model as sentencepiece's {@code ModelInterface::InitializePieces} does and builds
     * the tries.
     *
     * @param model a Unigram model
     * @param source a name for error messages
     * @throws SiglipException if sentencepiece would refuse the model
     */
    SentencePieceEncoder(SentencePieceModel model, String source) {
        if (model.trainerSpec().modelType() != SentencePieceModel.ModelType.UNIGRAM) {
            throw new SiglipException(source + ": a " + model.trainerSpec().modelType()
                    + " sentencepiece model; SigLIP tokenizers are UNIGRAM");
        }
        List<Piece> list = model.pieces();
        int n = list.size();
        float[] scores = new float[n];
        byte[] kinds = new byte[n];
        pieceTexts = new String[n];
        byteFallback = model.trainerSpec().byteFallback();
        Arrays.fill(byteIds, -1);
        Map<String, Integer> normal = new HashMap<>();
        Map<String, Integer> reserved = new HashMap<>();
        int unk = -1;
        float min = Float.MAX_VALUE;
        float max = Float.MIN_VALUE; // sentencepiece starts from FLT_MIN (the smallest positive float)
        int normalCount = 0;
        int userCount = 0;
        for (int id = 0; id < n; id++) {
            Piece p = list.get(id);
            PieceType type = p.type();
            String what = source + ": piece " + id + " ('" + p.piece() + "')";
            if (p.piece().isEmpty()) {
                throw new SiglipException(source + ": piece " + id + " is empty; sentencepiece rejects empty pieces");
            }
            boolean isNormal = type == PieceType.NORMAL || type == PieceType.USER_DEFINED || type == PieceType.UNUSED;
            if ((isNormal ? normal : reserved).putIfAbsent(p.piece(), id) != null) {
                throw new SiglipException(what + " is defined twice");
            }
            scores[id] = p.score();
            kinds[id] = (byte) type.ordinal();
            pieceTexts[id] = p.piece();
            switch (type) {
                case NORMAL -> {
                    min = Math.min(min, p.score());
                    max = Math.max(max, p.score());
                    normalCount++;
                }
                case USER_DEFINED -> userCount++;
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new SiglipException(what + " is a second unknown piece (the first is " + unk + ")");
                    }
                    unk = id;
                }
                case BYTE -> {
                    if (!byteFallback) {
                        throw new SiglipException(what + " is a byte piece but trainer_spec.byte_fallback is false");
                    }
                    int b = byteOf(p.piece());
                    if (b < 0) {
                        throw new SiglipException(what + " is typed BYTE but is not of the form <0xXX>");
                    }
                    byteIds[b] = id;
                }
                default -> { }
            }
        }
        if (unk < 0) {
            throw new SiglipException(source + ": no piece of type UNKNOWN; sentencepiece needs exactly one");
        }
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0) {
                    throw new SiglipException(String.format("%s: byte_fallback is on but the byte piece <0x%02X> is missing",
                            source, b));
                }
            }
        }
        unkId = unk;
        idOfText = new int[n];
        for (int id = 0; id < n; id++) {
            Integer r = reserved.get(pieceTexts[id]);
            idOfText[id] = r != null ? r : id;
        }
        for (Map<String, Integer> m : List.of(reserved, normal)) {
            for (Map.Entry<String, Integer> e : m.entrySet()) {
                boolean allUnknown = e.getKey().codePoints().allMatch(c -> {
                    Integer one = normal.get(new String(Character.toChars(c)));
                    return one == null || kinds[one] == PieceType.UNUSED.ordinal();
                });
                if (allUnknown && !byteFallback) {
                    namedUnknownRuns.putIfAbsent(e.getKey(), e.getValue());
                }
            }
        }
        unkScore = min - UNK_PENALTY;
        // unused pieces are in sentencepiece's trie but skipped by the lattice: leaving them out of
        // this one is the same (a walk only needs the nodes on the way to other pieces)
        byte[][] keys = new byte[normalCount + userCount][];
        int[] values = new int[keys.length];
        byte[][] udKeys = new byte[userCount][];
        int[] udValues = new int[userCount];
        latticeScores = new double[n];
        int k = 0;
        int u = 0;
        for (Map.Entry<String, Integer> e : normal.entrySet()) {
            int id = e.getValue();
            if (kinds[id] == PieceType.UNUSED.ordinal()) {
                continue;
            }
            keys[k] = e.getKey().getBytes(StandardCharsets.UTF_8);
            values[k++] = id;
            latticeScores[id] = scores[id];
            if (kinds[id] == PieceType.USER_DEFINED.ordinal()) {
                udKeys[u] = keys[k - 1];
                udValues[u++] = id;
                // C++: `length * max_score_ - 0.1` with a size_t length: float product, double difference
                latticeScores[id] = (double) ((float) keys[k - 1].length * max) - 0.1;
            }
        }
        if (keys.length == 0) {
            throw new SiglipException(source + ": no NORMAL or USER_DEFINED pieces to encode text with");
        }
        byte[][] marked = new byte[keys.length][];
        for (int i = 0; i < keys.length; i++) {
            marked[i] = withMarks(keys[i]);
        }
        pieces = DoubleArrayTrie.build(marked, values);
        userDefined = userCount == 0 ? null : DoubleArrayTrie.build(udKeys, udValues); // matched on the input
        byte[] cm = model.normalizerSpec().precompiledCharsmap();
        charsmap = cm.length == 0 ? null : PrecompiledCharsmap.of(cm, source);
        removeExtraWhitespaces = model.normalizerSpec().removeExtraWhitespaces();
        escapeWhitespaces = model.normalizerSpec().escapeWhitespaces();
        for (int b = 0; b < 128; b++) {
            asciiPlain[b] = (userDefined == null || userDefined.child(DoubleArrayTrie.root(), b) < 0)
                    && (charsmap == null || charsmap.asciiUntouched(b));
        }
    }

    /** UTF-8 with every {@code ▁} as {@link #MARK}. */
    private static byte[] withMarks(byte[] utf8) {
        byte[] out = new byte[utf8.length];
        int n = 0;
        for (int i = 0; i < utf8.length; i++) {
            if (isMarkAt(utf8, i, utf8.length)) {
                out[n++] = MARK;
                i += 2;
            } else {
                out[n++] = utf8[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    private static boolean isMarkAt(byte[] b, int i, int end) {
        return b[i] == (byte) 0xE2 && i + 2 < end && b[i + 1] == (byte) 0x96 && b[i + 2] == (byte) 0x81;
    }

    /** The text of normalised bytes, {@link #MARK}s read as {@code ▁}. */
    private static String text(byte[] norm, int from, int to) {
        StringBuilder b = new StringBuilder();
        int run = from;
        for (int i = from; i < to; i++) {
            if (norm[i] == MARK) {
                b.append(new String(norm, run, i - run, StandardCharsets.UTF_8)).append('\u2581');
                run = i + 1;
            }
        }
        return b.append(new String(norm, run, to - run, StandardCharsets.UTF_8)).toString();
    }

    /** {@code <0xXX>} (upper-case hex, as sentencepiece writes them) to the byte, else -1. */
    private static int byteOf(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(piece.charAt(3), 16);
        int lo = Character.digit(piece.charAt(4), 16);
        boolean upper = Character.toUpperCase(piece.charAt(3)) == piece.charAt(3)
                && Character.toUpperCase(piece.charAt(4)) == piece.charAt(4);
        return hi < 0 || lo < 0 || !upper ? -1 : hi * 16 + lo;
    }

    /** @return the text of a piece */
    String piece(int id) {
        return pieceTexts[id];
    }

    /** @return the unknown piece's id */
    int unkId() {
        return unkId;
    }

    /**
     * Whether an encoded piece reads {@code ▁} (as a piece string): the {@code ▁} piece itself, or
     * a fused unknown run of just that character.
     *
     * @param ws the workspace of the last {@link #encode}
     * @param k a piece index
     * @return whether its text is exactly {@code ▁}
     */
    boolean isSpaceMark(Workspace ws, int k) {
        int id = ws.pieceIds[k];
        if (id != unkId) {
            return pieceTexts[id].equals("\u2581");
        }
        return !byteFallback && ws.pieceEnds[k] - ws.pieceStarts[k] == 1 && ws.norm[ws.pieceStarts[k]] == MARK;
    }

    /**
     * Encodes UTF-8 text: {@code ws.pieceIds[0, count)} get the pieces as
     * {@code EncodeAsPieces} lists them (byte pieces expanded, unknown runs fused), with their
     * ranges of {@code ws.norm}.
     *
     * @param in UTF-8 bytes
     * @param len how many bytes of {@code in} to encode
     * @param ws scratch space of the calling thread
     * @return the number of pieces
     */
    int encode(byte[] in, int len, Workspace ws) {
        ws.ensureNorm(len * 3 + 8);
        int n = stripTrailing(ws.norm, normalize(in, skipLeadingSpaces(in, len, ws), len, ws, 0, removeExtraWhitespaces), 0);
        if (n == 0) {
            return 0;
        }
        viterbi(0, n, ws, 0f);
        return emit(0, n, ws, false);
    }

    /**
     * A fixed text put in front of inputs (HF's {@code "<unk>"}), encoded once: where an input
     * cannot interact with it, encoding resumes from its end state instead of redoing it.
     */
    static final class Prefix {
        final byte[] bytes;
        /** How many pieces the prefix alone encodes to: what HF drops. */
        final int pieces;
        /** Whether the end state below may be used at all. */
        final boolean resumable;
        /** The normalised prefix (no trailing space, so the input's cannot reach into it). */
        final byte[] normalized;
        /** The best path score at the prefix's end, as a float like every stored score. */
        final float score;
        /** Whether the prefix's last piece is unknown (an unknown run in the input would fuse with it). */
        final boolean endsUnknown;
        /** First input bytes for which a charsmap rule or user-defined piece may cross the seam. */
        final boolean[] rawSeam = new boolean[256];
        /** First normalised input bytes for which a vocabulary piece may cross the seam. */
        final boolean[] normalizedSeam = new boolean[256];

        private Prefix(SentencePieceEncoder sp, byte[] bytes) {
            this.bytes = bytes.clone();
            Workspace ws = new Workspace();
            pieces = sp.encode(this.bytes, bytes.length, ws);
            int head = sp.skipLeadingSpaces(this.bytes, bytes.length, ws);
            ws.ensureNorm(bytes.length * 3 + 8);
            int n = sp.normalize(this.bytes, head, bytes.length, ws, 0, sp.removeExtraWhitespaces);
            normalized = Arrays.copyOf(ws.norm, n);
            resumable = n > 0 && !ws.prevSpace && sp.stripTrailing(ws.norm, n, 0) == n && completeUtf8(bytes);
            if (resumable) {
                sp.viterbi(0, n, ws, 0f);
                score = ws.bestScore[n];
                endsUnknown = ws.bestId[n] == sp.unkId;
                for (int i = 0; i < bytes.length; i++) {
                    if (sp.charsmap != null) {
                        sp.charsmap.markContinuations(this.bytes, i, bytes.length, rawSeam);
                    }
                    if (sp.userDefined != null) {
                        sp.userDefined.markContinuations(this.bytes, i, bytes.length, rawSeam);
                    }
                }
                for (int j = 0; j < n; j += charLen(normalized[j])) {
                    sp.pieces.markContinuations(normalized, j, n, normalizedSeam);
                }
            } else {
                score = 0f;
                endsUnknown = false;
            }
        }

        private static boolean completeUtf8(byte[] b) {
            for (int i = 0; i < b.length;) {
                int c = utf8Length(b, i, b.length);
                if (c < 0) {
                    return false;
                }
                i += c;
            }
            return true;
        }
    }

    /**
     * @param bytes the prefix's UTF-8 bytes
     * @return the prefix, encoded once
     */
    Prefix prefix(byte[] bytes) {
        return new Prefix(this, bytes);
    }

    /**
     * HF's {@code sp.encode(prefix + text)[len(sp.encode(prefix)):]}: the pieces of the whole
     * minus as many as the prefix alone has (none dropped if the whole has fewer), in
     * {@code ws.pieceIds[0, count)}. Resumes after the prefix when the input's first bytes cannot
     * interact with it; otherwise encodes the whole, so a combining mark or an unknown character
     * right after the prefix behaves exactly as in HF.
     *
     * @param p the prefix
     * @param in the prefix's bytes, then the text's
     * @param len how many bytes of {@code in}
     * @param ws scratch space of the calling thread
     * @return the number of pieces kept
     */
    int encodeAfter(Prefix p, byte[] in, int len, Workspace ws) {
        int plen = p.bytes.length;
        if (p.resumable && len > plen && !p.rawSeam[in[plen] & 0xFF]) {
            int start = p.normalized.length;
            ws.ensureNorm(start + (len - plen) * 3 + 8);
            System.arraycopy(p.normalized, 0, ws.norm, 0, start);
            int n = stripTrailing(ws.norm, normalize(in, plen, len, ws, start, false), start);
            if (n == start) {
                return 0; // nothing after the prefix: HF drops all of it
            }
            if (!p.normalizedSeam[ws.norm[start] & 0xFF]) {
                viterbi(start, n, ws, p.score);
                // an unknown run right after an unknown prefix end fuses into the dropped piece
                return emit(start, n, ws, p.endsUnknown && !byteFallback);
            }
        }
        int count = encode(in, len, ws);
        int skip = count >= p.pieces ? p.pieces : 0;
        System.arraycopy(ws.pieceIds, skip, ws.pieceIds, 0, count - skip);
        System.arraycopy(ws.pieceStarts, skip, ws.pieceStarts, 0, count - skip);
        System.arraycopy(ws.pieceEnds, skip, ws.pieceEnds, 0, count - skip);
        return count - skip;
    }

    // ---------------------------------------------------------------- Normalizer::Normalize

    /** The heading-space loop: where the first piece that does not normalise to " " starts. */
    private int skipLeadingSpaces(byte[] in, int len, Workspace ws) {
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < len) {
                int used = normalizePrefix(in, pos, len, ws);
                if (ws.srcEnd - ws.srcStart != 1 || ws.src[ws.srcStart] != ' ') {
                    break;
                }
                pos += used;
            }
        }
        return pos;
    }

    /**
     * The main loop of {@code Normalize} over {@code in[pos, len)}, appending to {@code ws.norm}
     * at {@code out} (room for 3 bytes per input byte must be there); leaves the "previous piece
     * ended in a space" state in {@code ws.prevSpace}.
     *
     * @return the end of the output
     */
    private int normalize(byte[] in, int pos, int len, Workspace ws, int out, boolean prevSpace) {
        while (pos < len) {
            int b = in[pos];
            if (b >= 0 && asciiPlain[b] && (pos + 1 == len || in[pos + 1] >= 0)) {
                // the common case, inlined: an ASCII byte no rule touches is copied as it is
                if (out + 3 > ws.norm.length) {
                    ws.ensureNorm(out + 3 + len);
                }
                if (b != ' ') {
                    ws.norm[out++] = (byte) b;
                    prevSpace = false;
                } else {
                    if (!prevSpace) {
                        out = appendSpace(ws.norm, out);
                    }
                    prevSpace = removeExtraWhitespaces;
                }
                pos++;
                continue;
            }
            int used = normalizePrefix(in, pos, len, ws);
            byte[] src = ws.src;
            int s = ws.srcStart;
            int e = ws.srcEnd;
            while (prevSpace && s < e && src[s] == ' ') {
                s++;
            }
            if (s < e) {
                if (out + 3 * (e - s) > ws.norm.length) {
                    ws.ensureNorm(out + 3 * (e - s) + len);
                }
                byte[] norm = ws.norm;
                for (int i = s; i < e; i++) {
                    if (src[i] == ' ') {
                        out = appendSpace(norm, out);
                    } else if (isMarkAt(src, i, e)) { // a literal ▁ (copied or from a rule)
                        norm[out++] = MARK;
                        i += 2;
                    } else {
                        norm[out++] = src[i];
                    }
                }
                prevSpace = src[e - 1] == ' ';
            }
            pos += used;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        ws.prevSpace = prevSpace;
        return out;
    }

    /** Drops trailing spaces ({@code remove_extra_whitespaces}), never below {@code floor}. */
    private int stripTrailing(byte[] norm, int out, int floor) {
        if (removeExtraWhitespaces) {
            if (escapeWhitespaces) {
                while (out > floor && norm[out - 1] == MARK) {
                    out--;
                }
            } else {
                while (out > floor && norm[out - 1] == ' ') {
                    out--;
                }
            }
        }
        return out;
    }

    /** A space as the normaliser writes it: {@code ▁} ({@link #MARK}) when escaping whitespace. */
    private int appendSpace(byte[] norm, int out) {
        norm[out] = escapeWhitespaces ? MARK : (byte) ' ';
        return out + 1;
    }

    /**
     * {@code Normalizer::NormalizePrefix}: sets {@code ws.src[srcStart, srcEnd)} to what the text at
     * {@code pos} becomes and returns how many input bytes that consumes.
     */
    private int normalizePrefix(byte[] in, int pos, int len, Workspace ws) {
        if (userDefined != null) {
            int node = DoubleArrayTrie.root();
            int longest = 0;
            for (int i = pos; i < len; i++) {
                node = userDefined.child(node, in[i] & 0xFF);
                if (node < 0) {
                    break;
                }
                if (userDefined.value(node) >= 0) {
                    longest = i + 1 - pos;
                }
            }
            if (longest > 0) {
                return copy(in, pos, longest, ws);
            }
        }
        if (charsmap != null) {
            long m = charsmap.longestMatch(in, pos, len);
            if (m >= 0) {
                int start = (int) m;
                ws.src = charsmap.replacements();
                ws.srcStart = start;
                ws.srcEnd = Math.max(start, charsmap.replacementEnd(start));
                return (int) (m >>> 32);
            }
        }
        int c = utf8Length(in, pos, len);
        if (c < 0) { // malformed UTF-8: U+FFFD, one byte consumed
            ws.src = REPLACEMENT_CHAR;
            ws.srcStart = 0;
            ws.srcEnd = 3;
            return 1;
        }
        return copy(in, pos, c, ws);
    }

    private static int copy(byte[] in, int pos, int length, Workspace ws) {
        ws.src = in;
        ws.srcStart = pos;
        ws.srcEnd = pos + length;
        return length;
    }

    /**
     * The length of the well-formed UTF-8 character at {@code pos} (string_util::DecodeUTF8 with
     * its checks: no overlong forms, no surrogates, at most U+10FFFF), or -1.
     */
    private static int utf8Length(byte[] in, int pos, int len) {
        int b0 = in[pos] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int need;
        int min;
        int cp;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
            min = 0x80;
            cp = b0 & 0x1F;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            min = 0x800;
            cp = b0 & 0x0F;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            min = 0x10000;
            cp = b0 & 0x07;
        } else {
            return -1;
        }
        if (pos + need >= len) {
            return -1;
        }
        for (int i = 1; i <= need; i++) {
            int b = in[pos + i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                return -1;
            }
            cp = cp << 6 | (b & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return -1;
        }
        return need + 1;
    }

    // ---------------------------------------------------------------- Model::EncodeOptimized

    /** The best paths over {@code ws.norm[start, n)}, starting with score {@code startScore}. */
    private void viterbi(int start, int n, Workspace ws, float startScore) {
        ws.ensureLattice(n + 1);
        byte[] norm = ws.norm;
        float[] best = ws.bestScore;
        int[] from = ws.bestStart;
        int[] id = ws.bestId;
        Arrays.fill(from, start + 1, n + 1, -1);
        best[start] = startScore;
        double[] scores = latticeScores;
        int[] cells = pieces.cells; // DoubleArrayTrie.child and value, inlined
        int s = start;
        while (s < n) {
            float till = best[s];
            int mblen = Math.min(charLen(norm[s]), n - s);
            boolean single = false;
            int node = DoubleArrayTrie.root();
            for (int k = s; k < n; k++) {
                int c = cells[node] + 3 * (norm[k] & 0xFF);
                if (cells[c + 1] != node) {
                    break;
                }
                node = c;
                int v = cells[c + 2];
                if (v < 0) {
                    continue;
                }
                // C++: `auto score = cond ? length * max_score_ - 0.1 : GetScore(id)` is a double, so
                // the sum is too; it is compared with the float kept at `end` and stored as a float
                double candidate = scores[v] + till;
                int end = k + 1;
                if (from[end] < 0 || candidate > best[end]) {
                    best[end] = (float) candidate;
                    from[end] = s;
                    id[end] = v;
                }
                if (end - s == mblen) {
                    single = true;
                }
            }
            if (!single) {
                int end = s + mblen;
                float candidate = unkScore + till;
                if (from[end] < 0 || candidate > best[end]) {
                    best[end] = candidate;
                    from[end] = s;
                    id[end] = unkId;
                }
            }
            s += mblen;
        }
    }

    /**
     * sentencepiece's {@code OneCharLen}: the UTF-8 length announced by a lead byte (1 for
     * others), and 1 for {@link #MARK}.
     */
    private static int charLen(byte b) {
        int hi = (b & 0xFF) >>> 4;
        return hi < 0xC ? 1 : hi < 0xE ? 2 : hi == 0xE ? 3 : b == MARK ? 1 : 4;
    }

    // ---------------------------------------------------------------- PopulateSentencePieceText

    /**
     * Backtracks the best path from {@code n} to {@code start} and lists its pieces (byte
     * fallback, fused unknowns); {@code prevUnknown}: an unknown run at the start fuses into a
     * piece before {@code start} and is not listed.
     */
    private int emit(int start, int n, Workspace ws, boolean prevUnknown) {
        int[] from = ws.bestStart;
        int nodes = 0;
        for (int end = n; end > start; end = from[end]) {
            if (from[end] < 0) {
                throw new IllegalStateException("Viterbi left position " + end + " unreachable");
            }
            ws.ensurePath(nodes + 1);
            ws.path[nodes++] = end;
        }
        int count = 0;
        boolean prevUnk = prevUnknown;
        for (int k = nodes - 1; k >= 0; k--) {
            int end = ws.path[k];
            int begin = from[end];
            int id = ws.bestId[end];
            boolean unk = id == unkId;
            if (unk && byteFallback) {
                for (int i = begin; i < end; i++) {
                    if (ws.norm[i] == MARK) {
                        count = ws.addPiece(count, byteIds[0xE2], begin, end);
                        count = ws.addPiece(count, byteIds[0x96], begin, end);
                        count = ws.addPiece(count, byteIds[0x81], begin, end);
                    } else {
                        count = ws.addPiece(count, byteIds[ws.norm[i] & 0xFF], begin, end);
                    }
                }
            } else if (unk && prevUnk) {
                if (count > 0) {
                    ws.pieceEnds[count - 1] = end;
                }
            } else {
                count = ws.addPiece(count, unk ? id : idOfText[id], begin, end);
            }
            prevUnk = unk;
        }
        if (!namedUnknownRuns.isEmpty()) {
            for (int k = 0; k < count; k++) {
                if (ws.pieceIds[k] == unkId) {
                    String run = text(ws.norm, ws.pieceStarts[k], ws.pieceEnds[k]);
                    ws.pieceIds[k] = namedUnknownRuns.getOrDefault(run, unkId);
                }
            }
        }
        return count;
    }

    /** Per-thread scratch space of {@link #encode}; grows as needed, never shrinks. */
    static final class Workspace {
        byte[] norm = new byte[256];
        float[] bestScore = new float[256];
        int[] bestStart = new int[256];
        int[] bestId = new int[256];
        int[] path = new int[64];
        int[] pieceIds = new int[64];
        int[] pieceStarts = new int[64];
        int[] pieceEnds = new int[64];
        byte[] src;
        int srcStart;
        int srcEnd;
        boolean prevSpace;

        void ensureNorm(int size) {
            if (norm.length < size) {
                norm = Arrays.copyOf(norm, Math.max(size, norm.length * 2));
            }
        }

        void ensureLattice(int size) {
            if (bestScore.length < size) {
                int m = Math.max(size, bestScore.length * 2);
                bestScore = new float[m];
                bestStart = new int[m];
                bestId = new int[m];
            }
        }

        void ensurePath(int size) {
            if (path.length < size) {
                path = Arrays.copyOf(path, Math.max(size, path.length * 2));
            }
        }

        int addPiece(int count, int id, int start, int end) {
            if (count == pieceIds.length) {
                int m = count * 2;
                pieceIds = Arrays.copyOf(pieceIds, m);
                pieceStarts = Arrays.copyOf(pieceStarts, m);
                pieceEnds = Arrays.copyOf(pieceEnds, m);
            }
            pieceIds[count] = id;
            pieceStarts[count] = start;
            pieceEnds[count] = end;
            return count + 1;
        }
    }
}
