package org.siglip4j.core.tokenizer;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import org.siglip4j.core.SiglipException;

/**
 * Validation of sentencepiece's {@code precompiled_charsmap} (a darts-clone double-array trie of
 * little-endian u32 units, preceded by its byte length, followed by the NUL-separated replacement
 * strings) before it reaches the native Rust {@code tokenizers} library. That library indexes the
 * trie and the strings without bounds checks of its own ({@code spm_precompiled}): a corrupt
 * charsmap makes it panic, and a panic across the JNI boundary aborts the whole JVM. This walks
 * every trie state reachable from UTF-8 text and checks every index the Rust code would compute.
 */
final class PrecompiledCharsmap {
    private static final int MAX_STATES = 1 << 24;
    private static byte[] lastValid = new byte[0];

    private PrecompiledCharsmap() {}

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
