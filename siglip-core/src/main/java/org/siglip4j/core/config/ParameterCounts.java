package org.siglip4j.core.config;

/** Closed-form parameter counts of the shared transformer pieces. */
final class ParameterCounts {
    private ParameterCounts() {}

    static long mlp(long d, long i) {
        return d * i + i + i * d + d;
    }

    static long encoderLayer(long d, long i) {
        return 4 * (d * d + d) + 4 * d + mlp(d, i);
    }
}
