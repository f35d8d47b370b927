package org.siglip4j.core.config;

import org.siglip4j.core.SiglipException;

/** Closed-form parameter counts of the shared transformer pieces. */
final class ParameterCounts {
    /**
     * Most parameters a tower described by a config.json may imply: 10^11 (400 GB in float32). The
     * largest published SigLIP tower has about 4 x 10^8; a hostile config with a million layers
     * implies 10^12 or more and would otherwise be built block by block until memory runs out.
     */
    static final double MAX_PARAMETERS = 1e11;

    private ParameterCounts() {}

    static long mlp(long d, long i) {
        return d * i + i + i * d + d;
    }

    static long encoderLayer(long d, long i) {
        return 4 * (d * d + d) + 4 * d + mlp(d, i);
    }

    /** {@link #encoderLayer} in floating point, which cannot overflow for any int sizes. */
    static double encoderLayerEstimate(double d, double i) {
        return 4 * (d * d + d) + 4 * d + 2 * d * i + i + d;
    }

    /** Throws when a tower's (estimated, overflow-free) parameter count is not plausible. */
    static void checkPlausible(String tower, double count) {
        if (!(count <= MAX_PARAMETERS)) {
            throw new SiglipException(String.format(java.util.Locale.ROOT,
                    "config.json: %s implies %.3g parameters, more than the %.0e accepted; this is not the config of"
                            + " a real checkpoint", tower, count, MAX_PARAMETERS));
        }
    }
}
