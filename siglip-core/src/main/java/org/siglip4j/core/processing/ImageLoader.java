package org.siglip4j.core.processing;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.siglip4j.core.SiglipException;

/**
 * Loads images like {@code transformers.image_utils.load_image}: decode (ImageIO: PNG, JPEG,
 * BMP, GIF and any installed plugin), apply the EXIF orientation ({@code ImageOps.exif_transpose})
 * and convert to RGB like PIL's {@code convert("RGB")}.
 *
 * <p>Pixels are read from the raster, never through {@link BufferedImage#getRGB}, because AWT
 * colour-manages gray and indexed images on that path (a gray 128 would not stay 128); PNG
 * decodes are therefore bit-identical to Pillow. JPEG decodes may differ from Pillow's
 * libjpeg-turbo by a few levels (different IDCT and chroma upsampling).
 */
public final class ImageLoader {
    /**
     * Largest image accepted, in pixels: Pillow's decompression-bomb limit ({@code 2 *
     * Image.MAX_IMAGE_PIXELS}, above which Pillow, and so HF's {@code load_image}, raise
     * {@code DecompressionBombError}). Checked from the header before the decoder allocates, so a
     * small file claiming a huge image costs at most ~1.5 GB of heap (8 bytes per pixel), not an
     * OutOfMemoryError.
     */
    public static final long MAX_PIXELS = 2L * 89_478_485;

    private ImageLoader() {}

    /**
     * Loads an image file.
     *
     * @param file an image file
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the file is missing, unreadable, not an image or corrupt
     */
    public static RgbImage load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SiglipException("image file not found: " + file);
        } catch (IOException e) {
            throw new SiglipException("cannot read image file " + file + ": " + e, e);
        }
        return decode(bytes, file.toString());
    }

    /**
     * Decodes an encoded image held in memory.
     *
     * @param bytes the encoded file
     * @param sourceName a name for error messages (e.g. the file name or URL)
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the bytes are not an image ImageIO can decode
     */
    public static RgbImage decode(byte[] bytes, String sourceName) {
        BufferedImage image;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new SiglipException("not an image (no ImageIO reader recognises the format): " + sourceName
                        + " (" + bytes.length + " bytes); supported: PNG, JPEG, BMP, GIF, WBMP and installed plugins");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new SiglipException("image " + sourceName + " is too large: " + reader.getWidth(0) + "x"
                            + reader.getHeight(0) + " pixels, at most " + MAX_PIXELS + " supported");
                }
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof SiglipException se) {
                throw se;
            }
            throw new SiglipException("corrupt or unsupported image " + sourceName + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new SiglipException("corrupt or unsupported image " + sourceName + ": the decoder returned nothing");
        }
        RgbImage rgb;
        try {
            rgb = toRgb(image);
        } catch (RuntimeException e) {
            if (e instanceof SiglipException se) {
                throw se;
            }
            throw new SiglipException("cannot convert image " + sourceName + " to RGB: " + e, e);
        }
        return ExifOrientation.apply(rgb, ExifOrientation.read(bytes));
    }

    /**
     * Converts a decoded image to RGB the way PIL's {@code convert("RGB")} does: gray is
     * replicated into the three channels, alpha is dropped (no compositing: the colour stored
     * under a transparent pixel is kept), palette indices become their palette colours
     * (transparency ignored), 16-bit colour channels keep their high byte; a 16-bit gray image
     * (PIL mode {@code I}) is clipped to 0..255 as Pillow does. Other colour spaces (CMYK,
     * custom ICC) go through AWT's sRGB conversion.
     *
     * @param image a decoded image
     * @return the RGB pixels
     */
    public static RgbImage toRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        if ((long) w * h > MAX_PIXELS) {
            throw new SiglipException("image too large: " + w + "x" + h);
        }
        byte[] out = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int[] row = null;
        if (cm instanceof IndexColorModel icm) {
            int n = icm.getMapSize();
            byte[] r = new byte[n];
            byte[] g = new byte[n];
            byte[] b = new byte[n];
            icm.getReds(r);
            icm.getGreens(g);
            icm.getBlues(b);
            for (int y = 0; y < h; y++) {
                row = raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int i = row[x] < n ? row[x] : 0;
                    out[o] = r[i];
                    out[o + 1] = g[i];
                    out[o + 2] = b[i];
                }
            }
            return new RgbImage(w, h, out);
        }
        ColorSpace cs = cm.getColorSpace();
        if (cm instanceof ComponentColorModel && cs.getType() == ColorSpace.TYPE_GRAY) {
            int bits = cm.getComponentSize(0);
            boolean hasAlpha = cm.hasAlpha();
            for (int y = 0; y < h; y++) {
                row = raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                    int v = row[x];
                    if (bits == 16) {
                        // PIL: 16-bit L+A keeps the high byte ("LA;16B"); 16-bit gray is mode I, clipped
                        v = hasAlpha ? v >>> 8 : Math.min(v, 255);
                    } else if (bits != 8) {
                        v = bits > 8 ? v >>> (bits - 8) : v * 255 / ((1 << bits) - 1);
                    }
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                }
            }
            return new RgbImage(w, h, out);
        }
        if (cm instanceof ComponentColorModel && cs.isCS_sRGB() && raster.getNumBands() >= 3) {
            int bits = cm.getComponentSize(0);
            int shift = Math.max(0, bits - 8);
            for (int band = 0; band < 3; band++) {
                for (int y = 0; y < h; y++) {
                    row = raster.getSamples(0, y, w, 1, band, row);
                    for (int x = 0, o = y * w * 3 + band; x < w; x++, o += 3) {
                        out[o] = (byte) (row[x] >>> shift);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        // Packed sRGB (BMP, TYPE_INT_*) is read exactly by getRGB; anything else is colour-converted.
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0, o = y * w * 3; x < w; x++, o += 3) {
                int p = argb[x];
                out[o] = (byte) (p >>> 16);
                out[o + 1] = (byte) (p >>> 8);
                out[o + 2] = (byte) p;
            }
        }
        return new RgbImage(w, h, out);
    }
}
