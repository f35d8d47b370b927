package org.siglip4j.core.testing;

import java.util.SplittableRandom;

/** Reproducible test inputs: normal samples from a seed. */
public final class Gaussian {
    private Gaussian() {}

    /**
     * {@code n} samples of N(0, sigma^2) from {@code seed}.
     *
     * @param n how many
     * @param seed the seed (the same seed gives the same values)
     * @param sigma the standard deviation
     * @return the samples as float
     */
    public static float[] floats(int n, long seed, double sigma) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * sigma);
        }
        return v;
    }
}
