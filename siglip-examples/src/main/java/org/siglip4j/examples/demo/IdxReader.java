package org.siglip4j.examples.demo;

import org.siglip4j.core.SiglipException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (LeCun's format: a big-endian magic
 * {@code 0x00000801} for labels or {@code 0x00000803} for images, the dimensions, then unsigned
 * bytes), raw or gzip-compressed. Dimensions are checked against a limit before anything is
 * allocated, so a corrupt header cannot ask for gigabytes.
 */
public final class IdxReader {
    private static final long MAX_BYTES = 1L << 30;

    /**
     * Greyscale images of one size.
     *
     * @param count number of images
     * @param rows image height
     * @param cols image width
     * @param pixels {@code count * rows * cols} bytes, row-major, image after image
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** The pixels of image {@code i}, row-major. */
        public byte[] image(int i) {
            byte[] out = new byte[rows * cols];
            System.arraycopy(pixels, i * rows * cols, out, 0, out.length);
            return out;
        }
    }

    private IdxReader() {}

    /** Reads an images file ({@code *-images-idx3-ubyte[.gz]}). */
    public static Images readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x803) {
                throw new SiglipException(file + " is not an IDX image file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            long total = (long) n * rows * cols;
            if (n < 0 || rows <= 0 || cols <= 0 || total > MAX_BYTES) {
                throw new SiglipException(file + ": implausible dimensions " + n + "x" + rows + "x" + cols);
            }
            byte[] px = new byte[(int) total];
            in.readFully(px);
            return new Images(n, rows, cols, px);
        } catch (EOFException e) {
            throw new SiglipException(file + " is truncated", e);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a labels file ({@code *-labels-idx1-ubyte[.gz]}). */
    public static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != 0x801) {
                throw new SiglipException(file + " is not an IDX label file (magic " + Integer.toHexString(magic) + ")");
            }
            int n = in.readInt();
            if (n < 0 || n > MAX_BYTES) {
                throw new SiglipException(file + ": implausible label count " + n);
            }
            byte[] b = new byte[n];
            in.readFully(b);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = Byte.toUnsignedInt(b[i]);
            }
            return labels;
        } catch (EOFException e) {
            throw new SiglipException(file + " is truncated", e);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new SiglipException("IDX file not found: " + file);
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw);
    }
}
