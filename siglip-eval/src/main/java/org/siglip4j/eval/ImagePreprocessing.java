package org.siglip4j.eval;

import org.siglip4j.core.SiglipException;

/**
 * How an evaluation image is brought to the model's square input size. Only the choice lives here;
 * the pixel work belongs to the image processor.
 *
 * <ul>
 *   <li>{@link #RESIZE}: Hugging Face's {@code SiglipImageProcessor}: resize the whole image to
 *       {@code size x size} (aspect ratio not kept), no crop.
 *   <li>{@link #RESIZE_CENTER_CROP}: the classic ImageNet evaluation crop used by big_vision's
 *       classification evaluators: resize the shorter side to {@code floor(size / 0.875)} (256 for
 *       224) keeping the aspect ratio, then take the central {@code size x size} crop.
 * </ul>
 */
public enum ImagePreprocessing {
    /** Resize to the input size, no crop (Hugging Face processor behaviour). */
    RESIZE("resize", 1.0),
    /** Resize the shorter side to size/0.875, then centre-crop (big_vision evaluation). */
    RESIZE_CENTER_CROP("resize-crop0.875", 0.875);

    private final String key;
    private final double cropFraction;

    ImagePreprocessing(String key, double cropFraction) {
        this.key = key;
        this.cropFraction = cropFraction;
    }

    /**
     * The fraction of the resized shorter side that the crop keeps.
     *
     * @return 1.0 for {@link #RESIZE}, 0.875 for {@link #RESIZE_CENTER_CROP}
     */
    public double cropFraction() {
        return cropFraction;
    }

    /**
     * The length the shorter side is resized to before cropping.
     *
     * @param size the model's square input size
     * @return {@code size} for {@link #RESIZE}; {@code floor(size / 0.875)} otherwise
     */
    public int resizeShorterSideTo(int size) {
        if (size <= 0) {
            throw new SiglipException("image size must be positive, got " + size);
        }
        return this == RESIZE ? size : (int) Math.floor(size / cropFraction);
    }

    /**
     * A stable identifier for cache keys and reports, e.g. {@code "224/resize-crop0.875"}.
     *
     * @param size the model's square input size
     * @return the identifier
     */
    public String id(int size) {
        resizeShorterSideTo(size);
        return size + "/" + key;
    }

    /**
     * Parses a command-line value: {@code resize} (alias {@code hf}) or {@code crop} (aliases
     * {@code center-crop}, {@code big_vision}).
     *
     * @param value the value, case-insensitive
     * @return the mode
     */
    public static ImagePreprocessing parse(String value) {
        switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "resize":
            case "hf":
                return RESIZE;
            case "crop":
            case "center-crop":
            case "centre-crop":
            case "big_vision":
            case "big-vision":
                return RESIZE_CENTER_CROP;
            default:
                throw new SiglipException("unknown image preprocessing '" + value
                        + "': expected 'resize' (HF: resize, no crop) or 'crop' (big_vision: resize"
                        + " to size/0.875, centre crop)");
        }
    }
}
