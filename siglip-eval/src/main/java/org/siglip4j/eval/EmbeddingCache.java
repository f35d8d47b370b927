package org.siglip4j.eval;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import com.google.common.hash.Hashing;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;

/**
 * An on-disk cache of image embeddings for one (model id, preprocessing id), so that re-running an
 * evaluation with other prompt templates, or a retrieval run over the same images, embeds nothing
 * again.
 *
 * <p>An entry is keyed by the image's absolute normalised path and is valid only while the file's
 * size and last-modified time (milliseconds) are unchanged; a file rewritten with the same size
 * within the same millisecond would not be noticed. All entries of one (model, preprocessing) live
 * in one file, {@code <dir>/<sha256(model id, preprocessing id) prefix>.sgec}: the magic {@code
 * SGEC}, format version, model id, preprocessing id, width, entry count, then per entry the path
 * (modified UTF-8), size, mtime and the float32 row (all big-endian, {@link DataOutputStream}).
 * {@link #save()} writes a temporary file in the same folder and renames it over the old one
 * atomically, so a crash never leaves a half-written cache; with two concurrent writers the last
 * one wins.
 */
public final class EmbeddingCache {

    private static final int MAGIC = 0x53474543; // "SGEC"
    private static final int VERSION = 1;

    private record Entry(long size, long mtimeMillis, float[] embedding) {}

    private final Path file;
    private final String modelId;
    private final String preprocessingId;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private int dim = -1;
    private boolean dirty;

    private EmbeddingCache(Path file, String modelId, String preprocessingId) {
        this.file = file;
        this.modelId = modelId;
        this.preprocessingId = preprocessingId;
    }

    /**
     * Opens (or starts) the cache for one model and preprocessing in a folder.
     *
     * @param dir the cache folder, created if needed
     * @param modelId {@link EmbeddingModel#id()}
     * @param preprocessingId {@link EmbeddingModel#preprocessingId()}
     * @return the cache, loaded from disk if its file exists
     */
    public static EmbeddingCache open(Path dir, String modelId, String preprocessingId) {
        String key = Hashing.sha256()
                .hashString(modelId + "\u0000" + preprocessingId, StandardCharsets.UTF_8)
                .toString().substring(0, 24);
        EmbeddingCache c = new EmbeddingCache(dir.resolve(key + ".sgec"), modelId, preprocessingId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SiglipException("cannot create cache folder " + dir + ": " + e.getMessage(), e);
        }
        if (Files.exists(c.file)) {
            c.load();
        }
        return c;
    }

    private void load() {
        try (DataInputStream in = new DataInputStream(
                new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != VERSION) {
                throw corrupt("not a siglip4j embedding cache of format version " + VERSION, null);
            }
            String m = in.readUTF();
            String p = in.readUTF();
            if (!m.equals(modelId) || !p.equals(preprocessingId)) {
                throw corrupt("it belongs to model '" + m + "' / preprocessing '" + p
                        + "', expected '" + modelId + "' / '" + preprocessingId + "'", null);
            }
            dim = in.readInt();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String path = in.readUTF();
                long size = in.readLong();
                long mtime = in.readLong();
                float[] v = new float[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = in.readFloat();
                }
                entries.put(path, new Entry(size, mtime, v));
            }
        } catch (EOFException e) {
            throw corrupt("it is truncated", e);
        } catch (IOException e) {
            throw new SiglipException("cannot read embedding cache " + file + ": " + e.getMessage(),
                    e);
        }
    }

    private SiglipException corrupt(String why, Throwable cause) {
        return new SiglipException("embedding cache " + file + " cannot be used: " + why
                + "; delete the file to rebuild it", cause);
    }

    private static String key(Path image) {
        return image.toAbsolutePath().normalize().toString();
    }

    private static BasicFileAttributes attributes(Path image) {
        try {
            return Files.readAttributes(image, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new SiglipException("cannot read attributes of image " + image + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * The cached embedding of an image, if present and the file is unchanged.
     *
     * @param image the image file
     * @return the embedding (do not modify), or {@code null}
     */
    public synchronized float[] get(Path image) {
        Entry e = entries.get(key(image));
        if (e == null) {
            return null;
        }
        BasicFileAttributes a = attributes(image);
        if (a.size() != e.size() || a.lastModifiedTime().toMillis() != e.mtimeMillis()) {
            return null;
        }
        return e.embedding();
    }

    /**
     * Stores an image's embedding (kept in memory until {@link #save()}).
     *
     * @param image the image file
     * @param embedding its embedding; all entries share one width
     */
    public synchronized void put(Path image, float[] embedding) {
        if (dim < 0) {
            dim = embedding.length;
        } else if (embedding.length != dim) {
            throw new SiglipException("embedding of " + image + " has width " + embedding.length
                    + " but cache " + file + " holds width " + dim);
        }
        BasicFileAttributes a = attributes(image);
        entries.put(key(image), new Entry(a.size(), a.lastModifiedTime().toMillis(),
                embedding.clone()));
        dirty = true;
    }

    /** Writes the cache atomically if anything was added since it was opened or last saved. */
    public synchronized void save() {
        if (!dirty) {
            return;
        }
        AtomicFiles.write(file, tmp -> {
            try (DataOutputStream out = new DataOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(VERSION);
                out.writeUTF(modelId);
                out.writeUTF(preprocessingId);
                out.writeInt(dim);
                out.writeInt(entries.size());
                for (Map.Entry<String, Entry> e : entries.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue().size());
                    out.writeLong(e.getValue().mtimeMillis());
                    for (float f : e.getValue().embedding()) {
                        out.writeFloat(f);
                    }
                }
            }
        });
        dirty = false;
    }

    /**
     * The cache file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    /**
     * The number of entries (valid or stale).
     *
     * @return the entry count
     */
    public synchronized int size() {
        return entries.size();
    }
}
