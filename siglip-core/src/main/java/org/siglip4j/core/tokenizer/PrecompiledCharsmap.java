package org.siglip4j.core.tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import org.siglip4j.core.SiglipException;

/**
 * sentencepiece's {@code precompiled_charsmap}: a darts-clone double-array trie of little-endian
 * u32 units, preceded by its byte length, followed by the NUL-terminated replacement strings. Each
 * trie key is a UTF-8 byte string (e.g. {@code "e\u0301"} or fullwidth {@code "\uFF21"}), its value
 * the offset of its replacement ({@code "\u00e9"}, {@code "A"}).
 *
 * <p>Two uses. {@link #validate} runs before a charsmap reaches the native Rust {@code tokenizers}
 * library, which indexes the trie and the strings without bounds checks of its own
 * ({@code spm_precompiled}): a corrupt charsmap makes it panic, and a panic across the JNI boundary
 * aborts the whole JVM; it walks every trie state reachable from UTF-8 text and checks every index
 * the Rust code would compute. An instance ({@link #of}) is the lookup of sentencepiece's own
 * normaliser, {@link #longestMatch}, for the pure-Java encoder.
 */
final class PrecompiledCharsmap {
    private static final int MAX_STATES = 1 << 24;
    private static byte[] lastValid = new byte[0];

    /** The trie units as signed ints (the bit patterns of the u32 units). */
    private final int[] units;
    /** The replacement strings, each ended by a NUL (or by the end of the array). */
    private final byte[] strings;
    /** {@code stringEnd[v]}: the index of the NUL that ends the replacement starting at {@code v}. */
    private final int[] stringEnd;
    /** The trie node reached from the root; its children are {@code rootPos ^ byte}. */
    private final int rootPos;
    /** Whether some key starts with the byte: most ASCII bytes have no rule and skip the walk. */
    private final boolean[] startsKey = new boolean[256];
    /**
     * For an ASCII byte followed by another ASCII byte (or by the end): the match, when no key
     * that starts with the byte continues with an ASCII byte (true of NFKC rules: letters only
     * combine with non-ASCII marks), else {@link #WALK}. Spares the walk for most English text.
     */
    private final long[] asciiMatch = new long[128];
    private static final long WALK = Long.MIN_VALUE;

    private PrecompiledCharsmap(byte[] charsmap) {
        int trieBytes = (int) u32(charsmap, 0);
        units = new int[trieBytes / 4];
        for (int i = 0; i < units.length; i++) {
            units[i] = (int) u32(charsmap, 4 + 4 * i);
        }
        strings = Arrays.copyOfRange(charsmap, 4 + trieBytes, charsmap.length);
        stringEnd = new int[strings.length + 1];
        int end = strings.length;
        stringEnd[end] = end;
        for (int i = strings.length - 1; i >= 0; i--) {
            if (strings[i] == 0) {
                end = i;
            }
            stringEnd[i] = end;
        }
        rootPos = (int) offset(units[0] & 0xFFFF_FFFFL);
        for (int b = 0; b < 256; b++) {
            int q = rootPos ^ b;
            startsKey[b] = q < units.length && label(units[q] & 0xFFFF_FFFFL) == b;
        }
        for (int b = 0; b < 128; b++) {
            asciiMatch[b] = walk(new byte[] {(byte) b}, 0, 1);
            if (startsKey[b]) {
                int node = rootPos ^ b ^ (int) offset(units[rootPos ^ b] & 0xFFFF_FFFFL);
                for (int c = 0; c < 128; c++) { // c = 0 too: darts compares a NUL byte like any other
                    int q = node ^ c;
                    if (q < units.length && label(units[q] & 0xFFFF_FFFFL) == c) {
                        asciiMatch[b] = WALK;
                        break;
                    }
                }
            }
        }
    }

    /**
     * Whether an ASCII byte has no rule of its own and starts none that goes on with an ASCII byte:
     * then, before an ASCII byte or the end, it is copied as it is.
     *
     * @param b 0-127
     * @return whether the byte is left alone there
     */
    boolean asciiUntouched(int b) {
        return asciiMatch[b] == -1;
    }

    /**
     * Validates a charsmap and makes its lookup.
     *
     * @param charsmap the bytes; not empty
     * @param source a name for error messages
     * @return the lookup
     * @throws SiglipException if the charsmap is corrupt
     */
    static PrecompiledCharsmap of(byte[] charsmap, String source) {
        if (charsmap.length == 0) {
            throw new SiglipException(source + ": empty precompiled_charsmap");
        }
        validate(charsmap, source);
        return new PrecompiledCharsmap(charsmap);
    }

    /**
     * darts-clone's {@code commonPrefixSearch} as sentencepiece's {@code Normalizer::NormalizePrefix}
     * uses it: the longest key that is a prefix of {@code in[from, to)}. The walk is the library's
     * (a NUL byte is compared with the unit labels like any other byte) with bounds checks added,
     * since {@link #validate} only proves the states reachable without NUL bytes.
     *
     * @param in UTF-8 bytes
     * @param from where the match starts
     * @param to end of the input (exclusive)
     * @return {@code (length << 32) | replacementStart}, or -1 when no key matches
     */
    long longestMatch(byte[] in, int from, int to) {
        int b = in[from];
        if (b >= 0 && (from + 1 == to || in[from + 1] >= 0) && asciiMatch[b] != WALK) {
            return asciiMatch[b];
        }
        return walk(in, from, to);
    }

    private long walk(byte[] in, int from, int to) {
        if (!startsKey[in[from] & 0xFF]) {
            return -1;
        }
        int[] u = units;
        int pos = rootPos;
        long best = -1;
        for (int i = from; i < to; i++) {
            int b = in[i] & 0xFF;
            pos ^= b;
            if (pos >= u.length) {
                break;
            }
            long unit = u[pos] & 0xFFFF_FFFFL;
            if (label(unit) != b) {
                break;
            }
            pos ^= (int) offset(unit);
            if (hasLeaf(unit)) {
                if (pos >= u.length) {
                    break;
                }
                best = (long) (i + 1 - from) << 32 | (u[pos] & 0x7FFF_FFFF);
            }
        }
        return best;
    }

    /**
     * Walks {@code in[from, to)} like {@link #longestMatch}; if the walk gets through, marks every
     * byte that continues it (after which a longer rule could still match).
     *
     * @param in bytes
     * @param from first byte of the walk
     * @param to end of the walk
     * @param out set to true for each continuing byte
     */
    void markContinuations(byte[] in, int from, int to, boolean[] out) {
        int pos = rootPos;
        for (int i = from; i < to; i++) {
            int b = in[i] & 0xFF;
            pos ^= b;
            if (pos >= units.length || label(units[pos] & 0xFFFF_FFFFL) != b) {
                return;
            }
            pos ^= (int) offset(units[pos] & 0xFFFF_FFFFL);
        }
        for (int b = 0; b < 256; b++) {
            int q = pos ^ b;
            out[b] |= q < units.length && label(units[q] & 0xFFFF_FFFFL) == b;
        }
    }

    /** @return the replacement strings; a match's bytes are {@code [start, replacementEnd(start))} */
    byte[] replacements() {
        return strings;
    }

    /** @return the end (exclusive) of the replacement that starts at {@code start} */
    int replacementEnd(int start) {
        return stringEnd[Math.min(start, strings.length)];
    }

    /**
     * Throws unless the charsmap can be used by the Rust normaliser for any input text.
     *
     * @param charsmap the bytes (empty means "no precompiled normaliser" and is valid)
     * @param source a name for error messages
     */
    static void validate(byte[] charsmap, String source) {
        if (charsmap.length == 0) {
            return;
        }
        synchronized (PrecompiledCharsmap.class) {
            if (Arrays.equals(charsmap, lastValid)) {
                return; // the same (large) charsmap is validated once, e.g. when a model is loaded twice
            }
        }
        String what = source + ": invalid precompiled_charsmap in normalizer_spec: ";
        if (charsmap.length < 4) {
            throw new SiglipException(what + charsmap.length + " bytes, shorter than its 4-byte trie length");
        }
        long trieBytes = u32(charsmap, 0);
        if (trieBytes % 4 != 0 || trieBytes < 4 || trieBytes > charsmap.length - 4L) {
            throw new SiglipException(what + "trie length " + trieBytes + " is not a positive multiple of 4 within the "
                    + (charsmap.length - 4) + " bytes that follow");
        }
        int units = (int) (trieBytes / 4);
        int strStart = 4 + (int) trieBytes;
        int strLen = charsmap.length - strStart;
        if (!isUtf8(charsmap, strStart, strLen)) {
            throw new SiglipException(what + "the replacement strings are not valid UTF-8");
        }
        // states: (node position after the offset was applied, UTF-8 continuation bytes still due)
        BitSet seen = new BitSet();
        ArrayDeque<long[]> todo = new ArrayDeque<>();
        todo.add(new long[] {offset(u32(charsmap, 4)), 0});
        int states = 0;
        while (!todo.isEmpty()) {
            long[] s = todo.poll();
            long p = s[0];
            int rem = (int) s[1];
            long key = p * 4 + rem;
            if (key > Integer.MAX_VALUE || seen.get((int) key)) {
                if (key > Integer.MAX_VALUE) {
                    throw new SiglipException(what + "trie node " + p + " is outside its " + units + " units");
                }
                continue;
            }
            seen.set((int) key);
            if (++states > MAX_STATES) {
                throw new SiglipException(what + "trie has more than " + MAX_STATES + " states");
            }
            int lo = rem == 0 ? 0x01 : 0x80;
            int hi = rem == 0 ? 0xF4 : 0xBF;
            for (int c = lo; c <= hi; c++) {
                if (rem == 0 && (c >= 0x80 && c < 0xC2)) {
                    continue; // not a first byte of a UTF-8 sequence
                }
                long q = p ^ c;
                if (q >= units) {
                    throw new SiglipException(what + "trie node " + q + " is outside its " + units + " units");
                }
                long unit = u32(charsmap, 4 + (int) q * 4);
                if (label(unit) != c) {
                    continue;
                }
                int nextRem = rem > 0 ? rem - 1 : c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
                long next = q ^ offset(unit);
                if (hasLeaf(unit)) {
                    if (next >= units) {
                        throw new SiglipException(what + "trie value node " + next + " is outside its " + units + " units");
                    }
                    long index = u32(charsmap, 4 + (int) next * 4) & 0x7FFF_FFFFL;
                    if (index > strLen || index < strLen && (charsmap[strStart + (int) index] & 0xC0) == 0x80) {
                        throw new SiglipException(what + "replacement offset " + index
                                + " is not the start of a string in its " + strLen + " bytes");
                    }
                    if (nextRem != 0) {
                        throw new SiglipException(what + "a trie entry ends inside a UTF-8 character");
                    }
                }
                todo.add(new long[] {next, nextRem});
            }
        }
        synchronized (PrecompiledCharsmap.class) {
            lastValid = charsmap.clone();
        }
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    // darts-clone unit layout, as spm_precompiled reads it
    private static boolean hasLeaf(long unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static long label(long unit) {
        return unit & ((1L << 31) | 0xFF);
    }

    private static long offset(long unit) {
        return (unit >>> 10) << ((unit & (1L << 9)) >>> 6);
    }

    private static boolean isUtf8(byte[] b, int from, int len) {
        try {
            java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, from, len));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }
}
