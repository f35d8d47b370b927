package org.siglip4j.eval;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.PillowResample;
import org.siglip4j.core.processing.PillowResize;
import org.siglip4j.core.processing.RgbImage;

/**
 * The pixel work of {@link ImagePreprocessing#RESIZE_CENTER_CROP}: big_vision's evaluation
 * pipeline {@code resize_small(S)|central_crop(size)}, with the resampling done by the model's own
 * Pillow filter ({@link PillowResize}, bicubic for every SigLIP checkpoint) instead of TensorFlow's.
 * (Not core's {@link org.siglip4j.core.processing.ResizeCenterCrop}, the timm and open_clip step a
 * preprocessor config names.)
 *
 * <p>Geometry, as big_vision computes it: {@code ratio = S / min(w, h)} in float32, each side
 * becomes {@code round(side * ratio)} (round half to even, like {@code tf.round}), so the shorter
 * side becomes exactly {@code S}; the crop starts at {@code ((w' - size) / 2, (h' - size) / 2)}
 * rounded down.
 */
public final class BigVisionResizeCrop {

    private BigVisionResizeCrop() {}

    /**
     * Where the crop lies in the resized image.
     *
     * @param resizedWidth width after the shorter-side resize
     * @param resizedHeight height after the shorter-side resize
     * @param cropX left column of the crop in the resized image
     * @param cropY top row of the crop in the resized image
     * @param size side of the square crop
     */
    public record Geometry(int resizedWidth, int resizedHeight, int cropX, int cropY, int size) {}

    /**
     * Computes the geometry for an image.
     *
     * @param width image width
     * @param height image height
     * @param shorterSide what the shorter side is resized to, at least {@code size}
     * @param size the square crop's side
     * @return the geometry
     */
    public static Geometry geometry(int width, int height, int shorterSide, int size) {
        if (width <= 0 || height <= 0) {
            throw new SiglipException("image size must be positive, got " + width + "x" + height);
        }
        if (size <= 0 || shorterSide < size) {
            throw new SiglipException("centre crop needs 0 < crop size <= shorter side, got crop "
                    + size + " and shorter side " + shorterSide);
        }
        float ratio = (float) shorterSide / (float) Math.min(width, height);
        int w = (int) Math.rint((float) width * ratio);
        int h = (int) Math.rint((float) height * ratio);
        // float rounding can leave the shorter side one pixel off S; big_vision would then crop
        // from a slightly different image, but a crop larger than the image must never happen
        w = Math.max(w, size);
        h = Math.max(h, size);
        return new Geometry(w, h, (w - size) / 2, (h - size) / 2, size);
    }

    /**
     * Resizes the shorter side to {@code shorterSide} and takes the central {@code size x size}
     * crop.
     *
     * @param image the decoded image
     * @param shorterSide what the shorter side is resized to
     * @param size the crop side (the model's input size)
     * @param filter the Pillow filter
     * @return a {@code size x size} image
     */
    public static RgbImage apply(RgbImage image, int shorterSide, int size, PillowResample filter) {
        Geometry g = geometry(image.width(), image.height(), shorterSide, size);
        RgbImage resized = PillowResize.resize(image, g.resizedWidth(), g.resizedHeight(), filter);
        return crop(resized, g.cropX(), g.cropY(), size, size);
    }

    /**
     * Copies a rectangle out of an image.
     *
     * @param image the source
     * @param x left column
     * @param y top row
     * @param width crop width
     * @param height crop height
     * @return the crop
     */
    public static RgbImage crop(RgbImage image, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > image.width()
                || y + height > image.height()) {
            throw new SiglipException("crop " + width + "x" + height + " at (" + x + ", " + y
                    + ") does not fit in a " + image.width() + "x" + image.height() + " image");
        }
        byte[] src = image.rgb();
        byte[] out = new byte[width * height * 3];
        for (int r = 0; r < height; r++) {
            System.arraycopy(src, ((y + r) * image.width() + x) * 3, out, r * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }
}
