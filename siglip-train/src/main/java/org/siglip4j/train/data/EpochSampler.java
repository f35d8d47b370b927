package org.siglip4j.train.data;

import java.util.SplittableRandom;

/**
 * Deterministic shuffling: epoch e visits the records in a permutation drawn from
 * {@code seed} and {@code e} alone, so a resumed run sees exactly the order an uninterrupted one
 * would, given only (epoch, position).
 */
public final class EpochSampler {
    private final int size;
    private final long seed;

    /**
     * @param size the number of records
     * @param seed the run's seed
     */
    public EpochSampler(int size, long seed) {
        if (size <= 0) {
            throw new IllegalArgumentException("cannot sample from an empty data set");
        }
        this.size = size;
        this.seed = seed;
    }

    /** The order of record indices in the given epoch (Fisher-Yates with a per-epoch generator). */
    public int[] order(int epoch) {
        int[] idx = new int[size];
        for (int i = 0; i < size; i++) {
            idx[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = size - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /**
     * Which caption of a record a given step uses, also a pure function of (seed, epoch, record),
     * so several captions per image are cycled through reproducibly.
     */
    public int captionIndex(int epoch, int record, int captions) {
        long h = new SplittableRandom(seed ^ (31L * epoch + record) * 0xBF58476D1CE4E5B9L).nextLong();
        return (int) Math.floorMod(h, (long) captions);
    }
}
