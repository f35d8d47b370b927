package org.siglip4j.core.processing;

import org.siglip4j.core.SiglipException;

/**
 * Resampling filters of Pillow's {@code Image.resize} that this project reproduces bit-exactly on
 * 8-bit images, with the integer codes of {@code PIL.Image.Resampling} (as stored in
 * {@code preprocessor_config.json} under {@code resample}).
 */
public enum PillowResample {
    /** {@code Resampling.BILINEAR} = 2: triangle filter, support 1. */
    BILINEAR(2, 1.0),
    /** {@code Resampling.BICUBIC} = 3: Keys cubic with a = -0.5, support 2 (SigLIP's filter). */
    BICUBIC(3, 2.0);

    private final int pilCode;
    private final double support;

    PillowResample(int pilCode, double support) {
        this.pilCode = pilCode;
        this.support = support;
    }

    /** @return the {@code PIL.Image.Resampling} integer value */
    public int pilCode() {
        return pilCode;
    }

    /** @return the filter's half-width at scale 1 */
    public double support() {
        return support;
    }

    /**
     * Evaluates the filter kernel.
     *
     * @param x distance in (scaled) source pixels
     * @return the un-normalised weight
     */
    public double filter(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (this == BILINEAR) {
            return x < 1.0 ? 1.0 - x : 0.0;
        }
        final double a = -0.5;
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * Looks up a filter by its PIL code.
     *
     * @param code the {@code resample} value of a preprocessor config
     * @return the filter
     * @throws SiglipException for codes other than 2 and 3 (NEAREST 0, LANCZOS 1, BOX 4, HAMMING 5
     *     are not implemented)
     */
    public static PillowResample fromPilCode(int code) {
        for (PillowResample r : values()) {
            if (r.pilCode == code) {
                return r;
            }
        }
        String name = switch (code) {
            case 0 -> "NEAREST";
            case 1 -> "LANCZOS";
            case 4 -> "BOX";
            case 5 -> "HAMMING";
            default -> "unknown";
        };
        throw new SiglipException("preprocessor_config.json: resample " + code + " (" + name
                + ") is not supported; use 3 (BICUBIC, SigLIP's default) or 2 (BILINEAR)");
    }
}
