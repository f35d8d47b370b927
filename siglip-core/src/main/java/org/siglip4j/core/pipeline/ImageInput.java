package org.siglip4j.core.pipeline;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;

/**
 * One image given to a pipeline, in any form a Java program holds it: a file ({@link Path},
 * {@link File} or a {@link String} path), a {@link URI} or {@link URL} ({@code file:}, {@code http:},
 * {@code https:}; a {@code String} starting with one of those schemes is read as a URI), encoded
 * bytes ({@code byte[]} or an {@link InputStream}, read at once since a stream can be read only
 * once), decoded RGB pixels, an AWT image, or a DJL {@link Image}.
 *
 * <p>Encoded images (files, URLs, bytes) are decoded like HF's {@code load_image}: EXIF
 * orientation, {@code convert("RGB")}. AWT and DJL images are converted like PIL's
 * {@code convert("RGB")}, no EXIF. Files and URLs are only read when the pipeline gets to their
 * batch.
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

    /** An encoded image in memory (PNG, JPEG, ... bytes), e.g. read from a stream or a database. */
    record Encoded(byte[] bytes, String name) implements ImageInput {
        @Override
        public RgbImage load() {
            return ImageLoader.decode(bytes, name);
        }
    }

    /** An image at an {@code http:} or {@code https:} URI, fetched when loaded. */
    record Remote(URI uri) implements ImageInput {
        @Override
        public RgbImage load() {
            return ImageLoader.decode(RemoteImages.fetch(uri), uri.toString());
        }

        @Override
        public String name() {
            return uri.toString();
        }
    }

    /** A DJL image (any {@link ai.djl.modality.cv.ImageFactory}'s). */
    record DjlImage(Image image, String name) implements ImageInput {
        @Override
        public RgbImage load() {
            if (image.getWrappedImage() instanceof BufferedImage bi) {
                return ImageLoader.toRgb(bi);
            }
            // another factory's image (e.g. OpenCV's): DJL's own HWC uint8 RGB export
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                NDArray hwc = image.toNDArray(m, Image.Flag.COLOR);
                return new RgbImage(image.getWidth(), image.getHeight(), hwc.toType(DataType.UINT8, false).toByteArray());
            }
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
     * @param image a {@link Path}, {@link File}, {@link String} path or URI, {@link URI}, {@link URL},
     *     {@code byte[]}, {@link InputStream}, {@link RgbImage}, {@link BufferedImage}, DJL
     *     {@link Image} or {@link ImageInput}
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
        } else if (image instanceof String str) {
            return ofString(str);
        } else if (image instanceof URI uri) {
            return ofUri(uri);
        } else if (image instanceof URL url) {
            try {
                return ofUri(url.toURI());
            } catch (URISyntaxException e) {
                throw new SiglipException(name + ": not a valid URL: " + url, e);
            }
        } else if (image instanceof byte[] bytes) {
            return new Encoded(bytes, name);
        } else if (image instanceof InputStream in) {
            try {
                return new Encoded(in.readAllBytes(), name);
            } catch (IOException e) {
                throw new SiglipException("cannot read " + name + " from its stream: " + e.getMessage(), e);
            }
        } else if (image instanceof Image djl) {
            return new DjlImage(djl, name);
        }
        throw new SiglipException(name + " is " + (image == null ? "null" : "a " + image.getClass().getName())
                + "; expected a Path, File, String, URI, URL, byte[], InputStream, RgbImage, BufferedImage or"
                + " DJL Image");
    }

    private static ImageInput ofString(String s) {
        String lower = s.strip().toLowerCase(java.util.Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("file:")) {
            try {
                return ofUri(new URI(s.strip()));
            } catch (URISyntaxException e) {
                throw new SiglipException("not a valid URI: " + s + " (" + e.getReason() + ")", e);
            }
        }
        try {
            return new FileImage(Path.of(s));
        } catch (java.nio.file.InvalidPathException e) {
            throw new SiglipException("not a valid image path: " + s + " (" + e.getReason() + ")", e);
        }
    }

    private static ImageInput ofUri(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        switch (scheme) {
            case "file":
                return new FileImage(Path.of(uri));
            case "http":
            case "https":
                return new Remote(uri);
            default:
                throw new SiglipException("cannot read an image from " + uri + ": only file:, http: and https: URIs"
                        + " are supported");
        }
    }
}
