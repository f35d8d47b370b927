package org.siglip4j.core.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.siglip4j.core.SiglipException;

/**
 * Replaces files so that a reader or a crash never sees a half-written one: the content goes to a
 * temporary sibling (same folder, so the rename stays on one file system), which is then renamed
 * over the target.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Writes the content of a file, given the temporary path to write it to. */
    @FunctionalInterface
    public interface Content {
        /**
         * Writes the whole content.
         *
         * @param tmp the temporary file (exists, empty)
         * @throws IOException if writing fails
         */
        void writeTo(Path tmp) throws IOException;
    }

    /**
     * Writes bytes to {@code file} through a temporary sibling and an atomic rename.
     *
     * @param file the target; its folder is created if missing
     * @param bytes the content
     */
    public static void write(Path file, byte[] bytes) {
        write(file, tmp -> Files.write(tmp, bytes));
    }

    /**
     * Writes {@code file} through a temporary sibling and an atomic rename; the temporary file is
     * removed whether or not {@code content} succeeds.
     *
     * @param file the target; its folder is created if missing
     * @param content writes the content to the temporary file
     */
    public static void write(Path file, Content content) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            content.writeTo(tmp);
            setPermissions(tmp, file);
            move(tmp, file);
        } catch (IOException e) {
            throw new SiglipException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is best-effort cleanup only
                }
            }
        }
    }

    /**
     * Temporary files are created owner-only (0600); a model file written that way could not be
     * read by another user of a shared cache. Give the file the permissions of the file it
     * replaces, or rw-r--r-- (what a default umask gives) for a new one.
     */
    private static void setPermissions(Path tmp, Path file) throws IOException {
        if (!Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> perms = Files.exists(file)
                ? Files.getPosixFilePermissions(file)
                : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(tmp, perms);
    }

    /**
     * Renames {@code from} over {@code to}, atomically where the file system can (a plain replace
     * where it cannot, e.g. some network and Windows file systems).
     *
     * @param from the finished temporary file
     * @param to the target, replaced if it exists
     * @throws IOException if the move fails
     */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
