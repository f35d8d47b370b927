package org.siglip4j.core.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded byte-level mutation of fixture files, in the spirit of AFL/libFuzzer's havoc stage: bit
 * flips, byte overwrites, insertions, deletions, truncations, block duplication, splicing with
 * another seed, "interesting" integers written over 1/2/4/8 bytes in either byte order, and
 * decimal numbers in text replaced by extreme values. Every result is a pure function of the
 * {@link Random}, so a failing input is reproduced from its seed alone.
 */
public final class Mutator {
    private static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 16, 127, 128, 255, 256, 0x7FFF, 0x8000, 0xFFFF,
        0x10000, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE,
        100_000_000L, 100_000_001L, 1L << 40, 1L << 62};
    private static final String[] NUMBERS = {"0", "-1", "1", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "1e30", "-1e30", "1e309", "1.5",
        "0.0", "-0", "1E400", "99999999999999999999999999999", "NaN", "Infinity", "\"7\"", "null", "[]", "{}",
        "true"};

    private final List<byte[]> seeds;

    /**
     * @param seeds the files to mutate (at least one); all of them are used for splicing
     */
    public Mutator(List<byte[]> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seeds");
        }
        this.seeds = List.copyOf(seeds);
    }

    /** The seeds. */
    public List<byte[]> seeds() {
        return seeds;
    }

    /** A seed picked at random, mutated by 1 to 4 stacked havoc operations. */
    public byte[] mutate(Random rnd) {
        return mutate(seeds.get(rnd.nextInt(seeds.size())).clone(), rnd);
    }

    /** Applies 1 to 4 stacked havoc operations to {@code data}. */
    public byte[] mutate(byte[] data, Random rnd) {
        int ops = 1 + rnd.nextInt(4);
        for (int i = 0; i < ops; i++) {
            data = once(data, rnd);
        }
        return data;
    }

    private byte[] once(byte[] d, Random rnd) {
        int n = d.length;
        switch (rnd.nextInt(11)) {
            case 0 -> { // bit flips
                if (n > 0) {
                    int flips = 1 + rnd.nextInt(8);
                    for (int i = 0; i < flips; i++) {
                        int bit = rnd.nextInt(n * 8);
                        d[bit >>> 3] ^= (byte) (1 << (bit & 7));
                    }
                }
                return d;
            }
            case 1 -> { // random bytes
                if (n > 0) {
                    int k = 1 + rnd.nextInt(4);
                    for (int i = 0; i < k; i++) {
                        d[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
                    }
                }
                return d;
            }
            case 2 -> { // insertion
                int at = rnd.nextInt(n + 1);
                byte[] ins = new byte[1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 64)];
                if (rnd.nextBoolean()) {
                    rnd.nextBytes(ins);
                } else {
                    Arrays.fill(ins, (byte) (rnd.nextBoolean() ? 0 : rnd.nextInt(256)));
                }
                return splice(d, at, at, ins);
            }
            case 3 -> { // deletion
                if (n == 0) {
                    return d;
                }
                int at = rnd.nextInt(n);
                int len = 1 + rnd.nextInt(Math.min(n - at, rnd.nextBoolean() ? 4 : 256));
                return splice(d, at, at + len, new byte[0]);
            }
            case 4 -> { // truncation
                return Arrays.copyOf(d, n == 0 ? 0 : rnd.nextInt(n));
            }
            case 5 -> { // duplicate a block somewhere else
                if (n == 0) {
                    return d;
                }
                int from = rnd.nextInt(n);
                int len = 1 + rnd.nextInt(Math.min(n - from, 128));
                int at = rnd.nextInt(n + 1);
                return splice(d, at, rnd.nextBoolean() ? at : Math.min(n, at + len),
                        Arrays.copyOfRange(d, from, from + len));
            }
            case 6 -> { // splice with another seed: head of this one, tail of that one
                byte[] other = seeds.get(rnd.nextInt(seeds.size()));
                int cut = rnd.nextInt(n + 1);
                int otherCut = rnd.nextInt(other.length + 1);
                byte[] out = Arrays.copyOf(d, cut + other.length - otherCut);
                System.arraycopy(other, otherCut, out, cut, other.length - otherCut);
                return out;
            }
            case 7, 8 -> { // interesting integer over 1, 2, 4 or 8 bytes
                int width = 1 << rnd.nextInt(4);
                if (n < width) {
                    return d;
                }
                long v = INTERESTING[rnd.nextInt(INTERESTING.length)];
                if (rnd.nextInt(4) == 0) {
                    v += rnd.nextInt(33) - 16;
                }
                putInt(d, rnd.nextInt(n - width + 1), width, v, rnd.nextBoolean());
                return d;
            }
            case 9 -> { // a decimal number in text replaced by an extreme one
                return replaceNumber(d, rnd);
            }
            default -> { // arithmetic on one byte
                if (n > 0) {
                    int at = rnd.nextInt(n);
                    d[at] = (byte) (d[at] + rnd.nextInt(71) - 35);
                }
                return d;
            }
        }
    }

    /** Writes the low {@code width} bytes of {@code v} at {@code at}. */
    public static void putInt(byte[] d, int at, int width, long v, boolean littleEndian) {
        for (int i = 0; i < width; i++) {
            int shift = 8 * (littleEndian ? i : width - 1 - i);
            d[at + i] = (byte) (v >>> shift);
        }
    }

    /** Replaces {@code d[from, to)} by {@code with}. */
    public static byte[] splice(byte[] d, int from, int to, byte[] with) {
        byte[] out = new byte[d.length - (to - from) + with.length];
        System.arraycopy(d, 0, out, 0, from);
        System.arraycopy(with, 0, out, from, with.length);
        System.arraycopy(d, to, out, from + with.length, d.length - to);
        return out;
    }

    /** Replaces one run of ASCII digits (picked at random) by an extreme number or JSON value. */
    public static byte[] replaceNumber(byte[] d, Random rnd) {
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            if (d[i] >= '0' && d[i] <= '9') {
                int j = i;
                while (j < d.length && (d[j] >= '0' && d[j] <= '9' || d[j] == '.' || d[j] == 'e' || d[j] == '-')) {
                    j++;
                }
                runs.add(new int[] {i, j});
                i = j;
            }
        }
        if (runs.isEmpty()) {
            return d;
        }
        int[] r = runs.get(rnd.nextInt(runs.size()));
        return splice(d, r[0], r[1], NUMBERS[rnd.nextInt(NUMBERS.length)].getBytes(StandardCharsets.US_ASCII));
    }
}
