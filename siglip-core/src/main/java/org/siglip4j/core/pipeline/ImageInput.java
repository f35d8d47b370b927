package org.siglip4j.core.pipeline;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;

/**
 * One image given to a pipeline: a file (decoded like HF's {@code load_image}: EXIF orientation,
 * {@code convert("RGB")}), decoded RGB pixels, or an AWT image (converted like PIL's
 * {@code convert("RGB")}, no EXIF). Files are only read when the pipeline gets to their batch.
 */
public sealed interface ImageInput {

    /** Decodes or converts the image. */
    RgbImage load();

    /** A short name for messages and reports (the file path, or {@code image #i}). */
    String name();

    /** An image file. */
    record FileImage(Path file) implements ImageInput {
        @Override
        public RgbImage load() {
            return ImageLoader.load(file);
        }

        @Override
        public String name() {
            return file.toString();
        }
    }

    /** Decoded RGB pixels. */
    record Pixels(RgbImage image, String name) implements ImageInput {
        @Override
        public RgbImage load() {
            return image;
        }
    }

    /** An AWT image. */
    record Awt(BufferedImage image, String name) implements ImageInput {
        @Override
        public RgbImage load() {
            return ImageLoader.toRgb(image);
        }
    }

    /**
     * Wraps one image.
     *
     * @param image a {@link Path}, {@link File}, {@link RgbImage}, {@link BufferedImage} or
     *     {@link ImageInput}
     * @return the input
     * @throws SiglipException for null or another type
     */
    static ImageInput of(Object image) {
        return of(image, -1);
    }

    /**
     * Wraps a list of images (any mix of the types {@link #of(Object)} accepts).
     *
     * @param images the images
     * @return one input per image, in order
     */
    static List<ImageInput> listOf(List<?> images) {
        if (images == null) {
            throw new SiglipException("the image list is null");
        }
        List<ImageInput> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            out.add(of(images.get(i), i));
        }
        return out;
    }

    private static ImageInput of(Object image, int index) {
        String name = index < 0 ? "image" : "image #" + index;
        if (image instanceof ImageInput in) {
            return in;
        } else if (image instanceof Path p) {
            return new FileImage(p);
        } else if (image instanceof File f) {
            return new FileImage(f.toPath());
        } else if (image instanceof RgbImage rgb) {
            return new Pixels(rgb, name);
        } else if (image instanceof BufferedImage bi) {
            return new Awt(bi, name);
        }
        throw new SiglipException(name + " is " + (image == null ? "null" : "a " + image.getClass().getName())
                + "; expected a Path, File, RgbImage or BufferedImage");
    }
}
