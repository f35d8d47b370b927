package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.siglip4j.core.SiglipException;

/**
 * A numpy {@code .npz} archive (what {@code np.savez} and big_vision's checkpoint export write):
 * a zip of {@code .npy} files, stored or deflated. Little-endian {@code float32}, {@code float64}
 * and {@code float16} arrays in C order are read (as float32); anything else is named and refused.
 */
public final class NpzReader implements TensorSource {
    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");
    /** Largest array read (one NDArray buffer). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 16;

    private record Header(String descr, long[] shape) {}

    private final Path file;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries = new LinkedHashMap<>();
    private final Map<String, Header> headers = new LinkedHashMap<>();

    private NpzReader(Path file, ZipFile zip) {
        this.file = file;
        this.zip = zip;
    }

    /**
     * Opens an archive and reads every array's header.
     *
     * @param file the {@code .npz}
     * @return the reader (close it)
     */
    public static NpzReader open(Path file) {
        ZipFile z;
        try {
            z = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new SiglipException(file + " is not a readable .npz (zip) archive: " + e.getMessage(), e);
        }
        NpzReader r = new NpzReader(file, z);
        try {
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    continue;
                }
                String name = e.getName().substring(0, e.getName().length() - 4);
                try (InputStream in = z.getInputStream(e)) {
                    r.headers.put(name, header(new DataInputStream(in), file, name));
                }
                r.entries.put(name, e);
            }
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e instanceof SiglipException s ? s
                    : new SiglipException(file + ": cannot read the archive: " + e.getMessage(), e);
        }
        return r;
    }

    private static Header header(DataInputStream in, Path file, String name) throws IOException {
        byte[] magic = new byte[8];
        in.readFully(magic);
        if (magic[0] != (byte) 0x93 || magic[1] != 'N' || magic[2] != 'U' || magic[3] != 'M' || magic[4] != 'P'
                || magic[5] != 'Y') {
            throw new SiglipException(file + ": '" + name + "' is not a .npy array");
        }
        int len;
        if (magic[6] == 1) {
            len = (in.readUnsignedByte()) | (in.readUnsignedByte() << 8);
        } else {
            len = Integer.reverseBytes(in.readInt());
        }
        if (len < 0 || len > 1 << 20) {
            throw new SiglipException(file + ": '" + name + "' has a header of " + len + " bytes");
        }
        byte[] h = new byte[len];
        in.readFully(h);
        String text = new String(h, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !f.find() || !s.find()) {
            throw new SiglipException(file + ": '" + name + "' has an unreadable .npy header: " + text.strip());
        }
        if (f.group(1).equals("True")) {
            throw new SiglipException(file + ": '" + name + "' is stored in Fortran order; save it in C order");
        }
        String[] dims = s.group(1).split(",");
        long[] shape = java.util.Arrays.stream(dims).map(String::strip).filter(x -> !x.isEmpty())
                .mapToLong(Long::parseLong).toArray();
        return new Header(d.group(1), shape);
    }

    @Override
    public Path source() {
        return file;
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(headers.keySet());
    }

    /** The shape of an array. */
    public long[] shape(String name) {
        Header h = headers.get(name);
        if (h == null) {
            throw new SiglipException(file + ": no array named '" + name + "'");
        }
        return h.shape().clone();
    }

    @Override
    public NDArray load(String name, NDManager manager) {
        Header h = headers.get(name);
        if (h == null) {
            throw new SiglipException(file + ": no array named '" + name + "'");
        }
        int width = switch (h.descr()) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            case "<f2" -> 2;
            default -> throw new SiglipException(file + ": array '" + name + "' has dtype " + h.descr()
                    + "; float16/32/64 (little-endian) are read");
        };
        long n = 1;
        for (long d : h.shape()) {
            n = Math.multiplyExact(n, d);
        }
        if (n * 4 > MAX_BYTES) {
            throw new SiglipException(file + ": array '" + name + "' is larger than 2 GiB");
        }
        ByteBuffer out = manager.allocateDirect((int) (n * 4)).order(ByteOrder.nativeOrder());
        try (InputStream raw = zip.getInputStream(entries.get(name))) {
            DataInputStream in = new DataInputStream(raw);
            header(in, file, name);
            byte[] b = new byte[(int) Math.min(n * width, 1 << 20)];
            long left = n * width;
            ByteBuffer chunk = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            while (left > 0) {
                int k = (int) Math.min(b.length, left);
                in.readFully(b, 0, k);
                chunk.clear().limit(k);
                while (chunk.hasRemaining()) {
                    out.putFloat(switch (width) {
                        case 4 -> chunk.getFloat();
                        case 8 -> (float) chunk.getDouble();
                        default -> org.siglip4j.core.checkpoint.Float16.f16ToFloat(chunk.getShort());
                    });
                }
                left -= k;
            }
        } catch (IOException e) {
            throw new SiglipException(file + ": array '" + name + "' is truncated or unreadable: " + e.getMessage(), e);
        }
        out.flip();
        return manager.create(out, new Shape(h.shape()), DataType.FLOAT32);
    }

    @Override
    public void close() {
        try {
            zip.close();
        } catch (IOException e) {
            // nothing was written; closing a read-only archive cannot lose data
        }
    }
}
