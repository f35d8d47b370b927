package org.siglip4j.core.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads numpy {@code .npy} files (format 1.0/2.0, little-endian, C order) for the golden fixtures.
 * Independent of the project's own safetensors reader, so the fixtures check it too.
 */
public final class Npy {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");

    /** A loaded array: dtype string as numpy writes it, shape, and values widened to double. */
    public record Array(String descr, long[] shape, double[] values) {
        /** Values as float. */
        public float[] floats() {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return f;
        }

        /** Values as long (for integer arrays). */
        public long[] longs() {
            return Arrays.stream(values).mapToLong(v -> (long) v).toArray();
        }

        /** Shape as int[]. */
        public int[] intShape() {
            return Arrays.stream(shape).mapToInt(s -> (int) s).toArray();
        }
    }

    private Npy() {}

    /** Reads one .npy file. */
    public static Array read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[6];
        buf.get(magic);
        if (magic[0] != (byte) 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException("not a .npy file: " + file);
        }
        int major = buf.get();
        buf.get();
        int headerLen = major == 1 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
        byte[] header = new byte[headerLen];
        buf.get(header);
        String h = new String(header, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(h);
        Matcher s = SHAPE.matcher(h);
        Matcher f = FORTRAN.matcher(h);
        if (!d.find() || !s.find() || !f.find() || f.group(1).equals("True")) {
            throw new IOException("unsupported .npy header in " + file + ": " + h);
        }
        String descr = d.group(1);
        long[] shape = Arrays.stream(s.group(1).split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (descr) {
                case "<f4" -> buf.getFloat();
                case "<f8" -> buf.getDouble();
                case "<i8" -> buf.getLong();
                case "<i4" -> buf.getInt();
                case "|u1" -> Byte.toUnsignedInt(buf.get());
                case "|b1" -> buf.get();
                default -> throw new IOException("unsupported dtype " + descr + " in " + file);
            };
        }
        return new Array(descr, shape, v);
    }
}
