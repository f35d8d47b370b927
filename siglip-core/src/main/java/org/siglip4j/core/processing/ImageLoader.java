package org.siglip4j.core.processing;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.siglip4j.core.SiglipException;

/**
 * Loads images like {@code transformers.image_utils.load_image}: Pillow's {@code Image.open},
 * {@code ImageOps.exif_transpose} and {@code convert("RGB")}, level for level. Decoding is
 * ImageIO's (PNG, JPEG, BMP, GIF, TIFF and any installed plugin); what Pillow does differently
 * is redone here:
 *
 * <ul>
 *   <li>Embedded ICC profiles are ignored (Pillow keeps the stored values; ImageIO would convert a
 *       JPEG in Adobe RGB, Display P3, ... to sRGB).
 *   <li>CMYK and YCCK JPEGs and CMYK TIFFs go through Pillow's own CMYK-to-RGB formula
 *       ({@link PillowCmyk}), not a colour-managed conversion.
 *   <li>A GIF's first frame is placed on its logical screen ({@link GifFirstFrame}); a palette
 *       TIFF keeps Pillow's 8-bit palette ({@link TiffColorMap}); 5- and 6-bit BMP fields are
 *       scaled as Pillow scales them.
 *   <li>Pixels are read from the raster, never through {@link BufferedImage#getRGB} where AWT
 *       would colour-manage them (a gray 128 would not stay 128).
 *   <li>A truncated file fails, as in Pillow ("image file is truncated"), unless
 *       {@link ImageLoadOptions#loadTruncatedImages()} asks for what it holds.
 *   <li>The heap a decode needs is estimated from the header and checked before the decoder
 *       allocates ({@link ImageLoadOptions#maxDecodeBytes()}), so a small file declaring a huge
 *       16-bit image fails with one line instead of exhausting the heap.
 * </ul>
 *
 * <p>The JDK's libjpeg 6b and Pillow's libjpeg-turbo use the same integer IDCT, upsampling and
 * colour tables by default, so JPEG decodes are identical too (measured on the corpus of
 * {@code PillowDecodingTest}; see docs/reliability.md, "Decoding").
 */
public final class ImageLoader {
    /**
     * Largest image accepted, in pixels: Pillow's decompression-bomb limit ({@code 2 *
     * Image.MAX_IMAGE_PIXELS}, above which Pillow, and so HF's {@code load_image}, raise
     * {@code DecompressionBombError}). Checked from the header before the decoder allocates.
     */
    public static final long MAX_PIXELS = 2L * 89_478_485;

    private ImageLoader() {}

    /**
     * Loads an image file with Pillow's defaults ({@link ImageLoadOptions#DEFAULT}).
     *
     * @param file an image file
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the file is missing, unreadable, not an image, corrupt or truncated
     */
    public static RgbImage load(Path file) {
        return load(file, ImageLoadOptions.DEFAULT);
    }

    /**
     * Loads an image file.
     *
     * @param file an image file
     * @param options truncated-file policy and memory bound
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the file is missing, unreadable, not an image or corrupt, or is
     *     truncated and the options do not accept that
     */
    public static RgbImage load(Path file, ImageLoadOptions options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SiglipException("image file not found: " + file);
        } catch (IOException e) {
            throw new SiglipException("cannot read image file " + file + ": " + e, e);
        }
        return decode(bytes, file.toString(), options);
    }

    /**
     * Decodes an encoded image held in memory with Pillow's defaults.
     *
     * @param bytes the encoded file
     * @param sourceName a name for error messages (e.g. the file name or URL)
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the bytes are not an image ImageIO can decode, or are truncated
     */
    public static RgbImage decode(byte[] bytes, String sourceName) {
        return decode(bytes, sourceName, ImageLoadOptions.DEFAULT);
    }

    /**
     * Decodes an encoded image held in memory.
     *
     * @param bytes the encoded file
     * @param sourceName a name for error messages (e.g. the file name or URL)
     * @param options truncated-file policy and memory bound
     * @return its pixels, EXIF-oriented, as RGB
     * @throws SiglipException if the bytes are not an image ImageIO can decode, are truncated
     *     (unless accepted) or need more heap than the options allow
     */
    public static RgbImage decode(byte[] bytes, String sourceName, ImageLoadOptions options) {
        boolean png = bytes.length > 8 && (bytes[0] & 0xFF) == 0x89 && bytes[1] == 'P' && bytes[2] == 'N'
                && bytes[3] == 'G';
        byte[] data = png ? TruncatedPng.close(bytes) : bytes;
        RgbImage rgb;
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new SiglipException("not an image (no ImageIO reader recognises the format): " + sourceName
                        + " (" + bytes.length + " bytes); supported: PNG, JPEG, BMP, GIF, TIFF, WBMP and installed"
                        + " plugins");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                rgb = read(reader, bytes, sourceName, options);
            } finally {
                reader.dispose();
            }
        } catch (OutOfMemoryError e) {
            throw new SiglipException("not enough heap to decode image " + sourceName + " (" + bytes.length
                    + " bytes): " + e.getMessage() + "; raise -Xmx or downscale the image");
        } catch (IOException | RuntimeException e) {
            if (e instanceof SiglipException se) {
                throw se;
            }
            throw new SiglipException("corrupt or unsupported image " + sourceName + ": " + e.getMessage(), e);
        }
        return ExifOrientation.apply(rgb, ExifOrientation.read(bytes));
    }

    private static RgbImage read(ImageReader reader, byte[] bytes, String name, ImageLoadOptions options)
            throws IOException {
        JpegWarnings warnings = new JpegWarnings();
        reader.addIIOReadWarningListener(warnings);
        int w;
        int h;
        try {
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            if (endsEarly(e) || warnings.ended) {
                // Pillow fails here too, whatever LOAD_TRUNCATED_IMAGES says ("Truncated File Read")
                throw new SiglipException("image file is truncated before its image data: " + name + " ("
                        + bytes.length + " bytes)", e);
            }
            throw e;
        }
        if ((long) w * h > MAX_PIXELS) {
            throw new SiglipException("image " + name + " is too large: " + w + "x" + h + " pixels, at most "
                    + MAX_PIXELS + " supported");
        }
        boolean jpeg = "jpeg".equalsIgnoreCase(reader.getFormatName());
        JpegHeader header = jpeg ? JpegHeader.read(bytes) : null;
        if (jpeg && header.components() == 4) {
            // The JDK reader cannot colour-convert CMYK/YCCK; its raster holds the stored components.
            requireHeap(name, w, h, 32, options);
            Raster stored;
            try {
                stored = reader.readRaster(0, null);
            } catch (IOException | RuntimeException e) {
                if (!warnings.ended) {
                    throw e;
                }
                requireComplete(name, bytes.length, true, options);
                // as below: nothing decoded in Pillow, whose zeroed CMYK image converts to white
                byte[] white = new byte[w * h * 3];
                java.util.Arrays.fill(white, (byte) 255);
                return new RgbImage(w, h, white);
            }
            requireComplete(name, bytes.length, warnings.truncated(header.progressive()), options);
            return new RgbImage(w, h, PillowCmyk.jpegToRgb(stored, header.ycck()));
        }
        ImageTypeSpecifier type = storedValuesType(reader, jpeg);
        requireHeap(name, w, h, IntStream.of(type.getSampleModel().getSampleSize()).sum(), options);
        if ("png".equalsIgnoreCase(reader.getFormatName()) && PngDataBound.certainlyTruncated(bytes)) {
            requireComplete(name, bytes.length, true, options); // before the raster is allocated
        }
        BufferedImage image = type.createBufferedImage(w, h);
        ImageReadParam param = reader.getDefaultReadParam();
        param.setDestination(image);
        boolean truncated = false;
        try {
            reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            // libjpeg reads the EOI the JDK inserts at the end of the data as the rest of a cut
            // segment (a progressive file's Huffman table between scans) and gives up
            if (!endsEarly(e) && !(jpeg && warnings.ended)) {
                throw e;
            }
            truncated = true; // what was decoded stays in the destination, the rest is black, as in Pillow
            if (jpeg) {
                // libjpeg failed on a cut marker segment. In Pillow it outputs no row before its
                // input is complete (a progressive file is consumed whole first; a sequential one
                // has its tables before any data), so the image stays black; the JDK has painted
                // the scans it read.
                image = type.createBufferedImage(w, h);
            }
        }
        requireComplete(name, bytes.length, truncated || (jpeg && warnings.truncated(header.progressive())),
                options);
        if ("gif".equalsIgnoreCase(reader.getFormatName())) {
            image = GifFirstFrame.onScreen(reader, image, name);
        } else if ("tif".equalsIgnoreCase(reader.getFormatName())) {
            image = TiffColorMap.asPillow(reader, image);
        }
        return toRgb(image);
    }

    /**
     * The destination type that keeps the stored sample values: for a JPEG with an ICC profile
     * the profile's (un-converted) type rather than the sRGB one ImageIO lists first.
     */
    private static ImageTypeSpecifier storedValuesType(ImageReader reader, boolean jpeg) throws IOException {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        ImageTypeSpecifier first = types.next();
        if (jpeg) {
            for (ImageTypeSpecifier t = first; ; t = types.next()) {
                ColorSpace cs = t.getColorModel().getColorSpace();
                if (cs.getType() == ColorSpace.TYPE_RGB && !cs.isCS_sRGB() && t.getNumBands() == 3) {
                    return t;
                }
                if (!types.hasNext()) {
                    break;
                }
            }
        }
        return first;
    }

    /** Fails before decoding when the decoded raster and its RGB copy would not fit the bound. */
    private static void requireHeap(String name, int w, int h, int bitsPerPixel, ImageLoadOptions options) {
        long pixels = (long) w * h;
        long needed = (pixels * bitsPerPixel + 7) / 8 + pixels * 3;
        long limit = options.maxDecodeBytes() > 0 ? options.maxDecodeBytes() : heapAvailable() / 4 * 3;
        if (needed > limit) {
            throw new SiglipException("image " + name + " (" + w + "x" + h + ", " + bitsPerPixel
                    + " bits per pixel) needs " + needed / (1 << 20) + " MiB to decode, more than the "
                    + limit / (1 << 20) + " MiB " + (options.maxDecodeBytes() > 0 ? "allowed by maxDecodeBytes"
                    : "of heap available (-Xmx)"));
        }
    }

    /**
     * The heap not held by live objects: the maximum heap less what the heap pools held after their
     * last collection (what is used now would count garbage and refuse images spuriously).
     */
    private static long heapAvailable() {
        long live = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            MemoryUsage afterGc = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
            if (afterGc != null) {
                live += afterGc.getUsed();
            }
        }
        return Math.max(0, Runtime.getRuntime().maxMemory() - live);
    }

    private static void requireComplete(String name, int size, boolean truncated, ImageLoadOptions options) {
        if (truncated && !options.loadTruncatedImages()) {
            throw new SiglipException("image file is truncated: " + name + " (" + size + " bytes); "
                    + "ImageLoadOptions.withLoadTruncatedImages(true) decodes what it holds, like Pillow's "
                    + "ImageFile.LOAD_TRUNCATED_IMAGES");
        }
    }

    /** Whether a decoder failed because its input ended (EOF somewhere in the cause chain). */
    private static boolean endsEarly(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads truncation out of the JDK JPEG reader's warnings. Its source manager reports the end of
     * the data ("Missing EOI marker") and inserts an EOI, which libjpeg reports as a premature end
     * of the data segment when scan data was cut. Pillow fails in the same cases: scan data cut, or
     * a progressive file without its EOI (libjpeg needs it to finish); a baseline file missing only
     * its EOI decodes completely in both.
     */
    private static final class JpegWarnings implements IIOReadWarningListener {
        private boolean ended;
        private boolean cut;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String w = warning.toLowerCase(Locale.ROOT);
            ended |= w.contains("missing eoi") || w.contains("premature end of jpeg file");
            cut |= w.contains("premature end of data segment");
        }

        boolean truncated(boolean progressive) {
            return ended && (cut || progressive);
        }
    }

    /** A palette's red, green and blue entries, {@code [3][mapSize]}. */
    static byte[][] paletteChannels(IndexColorModel icm) {
        int n = icm.getMapSize();
        byte[][] rgb = new byte[3][n];
        icm.getReds(rgb[0]);
        icm.getGreens(rgb[1]);
        icm.getBlues(rgb[2]);
        return rgb;
    }

    /**
     * Converts a decoded image to RGB the way PIL's {@code convert("RGB")} does: gray is
     * replicated into the three channels, alpha is dropped (no compositing: the colour stored
     * under a transparent pixel is kept), palette indices become their palette colours
     * (transparency ignored), 16-bit colour channels keep their high byte; a 16-bit gray image
     * (PIL mode {@code I;16}) is clipped to 0..255 as Pillow does. An RGB image in any RGB colour
     * space (an ICC profile) keeps its stored values, as Pillow ignores profiles; CMYK goes through
     * Pillow's {@code cmyk2rgb}. Other colour spaces go through AWT's sRGB conversion.
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
            byte[][] rgb = paletteChannels(icm);
            byte[] r = rgb[0];
            byte[] g = rgb[1];
            byte[] b = rgb[2];
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
        if (cm instanceof ComponentColorModel && cs.getType() == ColorSpace.TYPE_CMYK && raster.getNumBands() >= 4
                && cm.getComponentSize(0) == 8) {
            return new RgbImage(w, h, PillowCmyk.toRgb(raster));
        }
        if (cm instanceof ComponentColorModel && cs.getType() == ColorSpace.TYPE_RGB && raster.getNumBands() >= 3) {
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
        if (cm instanceof DirectColorModel && cs.isCS_sRGB() && !cm.isAlphaPremultiplied() && raster.getNumBands() >= 3) {
            // Packed pixels (BMP, TYPE_INT_*): 8-bit fields as stored; narrower ones (RGB565, RGB555)
            // scaled as Pillow's unpackers do, v * 255 / max truncated (getRGB would round)
            for (int band = 0; band < 3; band++) {
                int max = (1 << cm.getComponentSize(band)) - 1;
                for (int y = 0; y < h; y++) {
                    row = raster.getSamples(0, y, w, 1, band, row);
                    for (int x = 0, o = y * w * 3 + band; x < w; x++, o += 3) {
                        out[o] = (byte) (max == 255 ? row[x] : row[x] * 255 / max);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        // Anything else is colour-converted by AWT.
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
