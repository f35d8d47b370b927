package org.siglip4j.core.processing;

import java.awt.image.BufferedImage;
import org.siglip4j.core.SiglipException;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved {@code R,G,B} (the layout of a numpy
 * {@code uint8 [H, W, 3]} array, i.e. of PIL's {@code np.asarray(image.convert("RGB"))}).
 *
 * <p>The array is shared, not copied: treat it as read-only once the record exists.
 *
 * @param width width in pixels, at least 1
 * @param height height in pixels, at least 1
 * @param rgb {@code width * height * 3} bytes (unsigned values 0..255)
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Validates the dimensions against the pixel array. */
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new SiglipException("image size must be positive, got " + width + "x" + height);
        }
        if (rgb == null || (long) width * height * 3 != rgb.length) {
            throw new SiglipException("RGB image " + width + "x" + height + " needs " + (long) width * height * 3
                    + " bytes, got " + (rgb == null ? "null" : rgb.length));
        }
    }

    /**
     * The value (0..255) of one channel of one pixel.
     *
     * @param x column
     * @param y row
     * @param channel 0 = red, 1 = green, 2 = blue
     * @return the unsigned sample
     */
    public int get(int x, int y, int channel) {
        return rgb[(y * width + x) * 3 + channel] & 0xFF;
    }

    /**
     * Converts a decoded AWT image the way PIL's {@code convert("RGB")} does (see
     * {@link ImageLoader#toRgb(BufferedImage)}); no EXIF orientation is applied.
     *
     * @param image any BufferedImage
     * @return its RGB pixels
     */
    public static RgbImage fromBufferedImage(BufferedImage image) {
        return ImageLoader.toRgb(image);
    }

    /**
     * Copies this image into a new {@link BufferedImage#TYPE_3BYTE_BGR} image.
     *
     * @return an AWT image with the same pixels
     */
    public BufferedImage toBufferedImage() {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((java.awt.image.DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return out;
    }
}
