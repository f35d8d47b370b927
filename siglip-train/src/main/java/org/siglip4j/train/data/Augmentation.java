package org.siglip4j.train.data;

import org.siglip4j.core.processing.PillowResize;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;

import java.util.SplittableRandom;

/**
 * Train-time image augmentation on the 8-bit image, before rescaling and normalisation:
 * torchvision's {@code RandomResizedCrop} (a crop of random area and aspect ratio, resized with
 * the processor's Pillow filter, bicubic for SigLIP, to the model's input size) and a random
 * horizontal flip. Off by default ({@link #NONE}).
 *
 * <p>Every random choice comes from a generator seeded by {@link #seed(long, int, int)}, a pure
 * function of the run's seed, the optimiser step and the record, so a resumed run augments
 * exactly as an uninterrupted one, whatever thread decodes the image.
 *
 * @param randomResizedCrop crop a random region before resizing
 * @param minScale smallest crop area as a fraction of the image area
 * @param maxScale largest crop area as a fraction of the image area
 * @param minRatio smallest crop aspect ratio (width / height)
 * @param maxRatio largest crop aspect ratio
 * @param horizontalFlip mirror left-right with probability 1/2
 */
public record Augmentation(boolean randomResizedCrop, double minScale, double maxScale, double minRatio,
                           double maxRatio, boolean horizontalFlip) {

    /** No augmentation: plain preprocessing. */
    public static final Augmentation NONE = new Augmentation(false, 1, 1, 1, 1, false);

    /**
     * A crop rectangle in source pixels.
     *
     * @param x left column
     * @param y top row
     * @param width columns
     * @param height rows
     */
    public record Crop(int x, int y, int width, int height) {}

    /** Validates the ranges. */
    public Augmentation {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("crop scale range must satisfy 0 < min <= max <= 1, got "
                    + minScale + ".." + maxScale);
        }
        if (!(minRatio > 0 && minRatio <= maxRatio)) {
            throw new IllegalArgumentException("crop aspect range must satisfy 0 < min <= max, got "
                    + minRatio + ".." + maxRatio);
        }
    }

    /** Random resized crop (scale 0.8-1.0, aspect 3/4-4/3) and horizontal flip: mild, for fine-tuning. */
    public static Augmentation standard() {
        return new Augmentation(true, 0.8, 1.0, 3.0 / 4.0, 4.0 / 3.0, true);
    }

    /** Whether anything random happens at all. */
    public boolean enabled() {
        return randomResizedCrop || horizontalFlip;
    }

    /** The generator seed of one record at one step of a run (SplitMix-style mixing of the three). */
    public static long seed(long runSeed, int step, int record) {
        long h = runSeed * 0x9E3779B97F4A7C15L;
        h = (h ^ step) * 0xBF58476D1CE4E5B9L;
        h = (h ^ record) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /**
     * Augments and preprocesses one image: crop (if enabled), resize to the processor's size, flip
     * (if drawn), then the processor's rescale and normalisation.
     *
     * @param processor the model's image processor
     * @param image the decoded image
     * @param seed from {@link #seed(long, int, int)}
     * @return channels-first floats
     */
    public float[] preprocess(SiglipImageProcessor processor, RgbImage image, long seed) {
        return processor.rescaleAndNormalize(apply(processor, image, seed));
    }

    /** The augmented image at the processor's size (before normalisation). */
    public RgbImage apply(SiglipImageProcessor processor, RgbImage image, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        RgbImage out;
        if (randomResizedCrop) {
            RgbImage cropped = crop(image, sampleCrop(image.width(), image.height(), rnd));
            out = PillowResize.resize(cropped, processor.width(), processor.height(), processor.config().resample());
        } else {
            out = processor.resize(image);
        }
        // Drawn even without flipping so that switching the crop on or off leaves the flips alone.
        boolean flip = rnd.nextBoolean();
        return horizontalFlip && flip ? flipHorizontally(out) : out;
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: up to ten tries at a crop of random area
     * in [minScale, maxScale] of the image and log-uniform aspect ratio that fits; otherwise the
     * largest centred crop whose aspect ratio lies in range.
     */
    public Crop sampleCrop(int width, int height, SplittableRandom rnd) {
        double area = (double) width * height;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rnd.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * rnd.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * aspect));
            int h = (int) Math.round(Math.sqrt(target / aspect));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int y = rnd.nextInt(height - h + 1);
                int x = rnd.nextInt(width - w + 1);
                return new Crop(x, y, w, h);
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < minRatio) {
            w = width;
            h = Math.max(1, (int) Math.round(w / minRatio));
        } else if (inRatio > maxRatio) {
            h = height;
            w = Math.max(1, (int) Math.round(h * maxRatio));
        } else {
            w = width;
            h = height;
        }
        return new Crop((width - w) / 2, (height - h) / 2, w, h);
    }

    /** Copies a rectangle out of an image. */
    public static RgbImage crop(RgbImage image, Crop c) {
        if (c.x() < 0 || c.y() < 0 || c.width() <= 0 || c.height() <= 0 || c.x() + c.width() > image.width()
                || c.y() + c.height() > image.height()) {
            throw new IllegalArgumentException(c + " does not fit a " + image.width() + "x" + image.height() + " image");
        }
        byte[] src = image.rgb();
        byte[] out = new byte[c.width() * c.height() * 3];
        for (int row = 0; row < c.height(); row++) {
            System.arraycopy(src, ((c.y() + row) * image.width() + c.x()) * 3, out, row * c.width() * 3,
                    c.width() * 3);
        }
        return new RgbImage(c.width(), c.height(), out);
    }

    /** Mirrors an image left-right. */
    public static RgbImage flipHorizontally(RgbImage image) {
        int w = image.width();
        byte[] src = image.rgb();
        byte[] out = new byte[src.length];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < w; x++) {
                int from = (y * w + x) * 3;
                int to = (y * w + (w - 1 - x)) * 3;
                out[to] = src[from];
                out[to + 1] = src[from + 1];
                out[to + 2] = src[from + 2];
            }
        }
        return new RgbImage(w, image.height(), out);
    }
}
