package org.siglip4j.core.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paths of one repo inside the hub cache, laid out as Python's {@code huggingface_hub}:
 * <pre>
 * {cache}/models--org--name/blobs/{etag}
 * {cache}/models--org--name/snapshots/{commit}/{filename} -> ../../blobs/{etag}
 * {cache}/models--org--name/refs/{revision}                (holds the commit hash)
 * {cache}/models--org--name/.no_exist/{commit}/{filename}  (empty: known missing in the repo)
 * {cache}/.locks/models--org--name/{etag}.lock
 * </pre>
 * Every path handed out is checked to stay inside the cache, lexically and, for what exists on
 * disk, after following links, so neither a hostile name nor a planted symlink makes us read or
 * write elsewhere.
 */
final class CacheLayout {
    private static final Logger LOG = LoggerFactory.getLogger(CacheLayout.class);

    private final Path cacheDir;
    private final RepoId repo;
    private final Path storage;

    CacheLayout(Path cacheDir, RepoId repo) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.repo = repo;
        this.storage = lexicallyInside(this.cacheDir, this.cacheDir.resolve(repo.folderName()), "repo folder");
    }

    Path cacheDir() {
        return cacheDir;
    }

    Path storage() {
        return storage;
    }

    Path snapshotDir(String commit) {
        checkSegment("commit hash", commit);
        return lexicallyInside(storage, storage.resolve("snapshots").resolve(commit), "snapshot folder");
    }

    Path pointer(String commit, String filename) {
        Path dir = snapshotDir(commit);
        return lexicallyInside(dir, dir.resolve(filename), "file");
    }

    Path blob(String etag) {
        checkSegment("etag", etag);
        return lexicallyInside(storage, storage.resolve("blobs").resolve(etag), "blob");
    }

    Path incomplete(String etag) {
        return blob(etag).resolveSibling(etag + ".incomplete");
    }

    Path lockFile(String etag) {
        checkSegment("etag", etag);
        Path locks = cacheDir.resolve(".locks").resolve(repo.folderName());
        return lexicallyInside(cacheDir, locks.resolve(etag + ".lock"), "lock file");
    }

    Path ref(String revision) {
        return lexicallyInside(storage, storage.resolve("refs").resolve(revision), "ref");
    }

    Path noExist(String commit, String filename) {
        checkSegment("commit hash", commit);
        Path dir = storage.resolve(".no_exist").resolve(commit);
        return lexicallyInside(dir, dir.resolve(filename), "no-exist marker");
    }

    /** The commit a branch or tag pointed to when last seen, from {@code refs/{revision}}. */
    Optional<String> readRef(String revision) {
        Path ref = ref(revision);
        if (!isInsideOnDisk(ref) || !Files.isRegularFile(ref)) {
            return Optional.empty();
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            if (commit.isEmpty() || !isSafeSegment(commit)) {
                LOG.warn("ignoring cache ref {}: it does not hold a commit hash", ref);
                return Optional.empty();
            }
            return Optional.of(commit);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Records which commit a branch or tag points to; writes only when it changed. */
    void writeRef(String revision, String commit) throws IOException {
        Path ref = ref(revision);
        if (readRef(revision).filter(commit::equals).isPresent()) {
            return;
        }
        prepareWrite(ref);
        Path tmp = ref.resolveSibling(ref.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Files.writeString(tmp, commit, StandardCharsets.UTF_8);
        AtomicFiles.move(tmp, ref);
    }

    void markNoExist(String commit, String filename) throws IOException {
        Path marker = noExist(commit, filename);
        prepareWrite(marker);
        if (!Files.exists(marker)) {
            Files.createFile(marker);
        }
    }

    boolean isMarkedNoExist(String commit, String filename) {
        Path marker = noExist(commit, filename);
        return isInsideOnDisk(marker) && Files.isRegularFile(marker);
    }

    /**
     * Whether a file is present and usable: it exists and, links followed, lies inside the cache.
     * A link leading outside is reported and treated as absent, never followed.
     */
    boolean isCachedFile(Path p) {
        return Files.isRegularFile(p) && isInsideOnDisk(p);
    }

    /**
     * Makes {@code target}'s folder and checks, links followed, that it is inside the cache; removes
     * a link at {@code target} itself so that nothing is ever written through it.
     */
    void prepareWrite(Path target) throws IOException {
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (!isInsideOnDisk(parent)) {
            throw new SiglipException("refusing to write " + target + ": its folder resolves to "
                    + parent.toRealPath() + ", outside the hub cache " + cacheDir
                    + " (a symlink in the cache points elsewhere; remove it)");
        }
        if (Files.isSymbolicLink(target)) {
            Files.delete(target);
        }
    }

    private boolean isInsideOnDisk(Path p) {
        if (!Files.exists(p)) {
            return false;
        }
        try {
            Path real = p.toRealPath();
            Path root = cacheDir.toRealPath();
            if (real.startsWith(root)) {
                return true;
            }
            LOG.warn("ignoring {}: it resolves to {}, outside the hub cache {}", p, real, root);
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path lexicallyInside(Path root, Path p, String what) {
        Path n = p.normalize();
        if (!n.startsWith(root) || n.equals(root)) {
            throw new SiglipException(what + " path " + p + " would lie outside " + root);
        }
        return n;
    }

    /** One path segment safe to use as a file name: no separators, not '.' or '..'. */
    static boolean isSafeSegment(String s) {
        return s != null && !s.isEmpty() && s.length() <= 255 && !s.equals(".") && !s.equals("..")
                && s.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.');
    }

    static void checkSegment(String what, String s) {
        if (!isSafeSegment(s)) {
            throw new SiglipException("the hub sent " + what + " '" + s
                    + "', which is not a plain name (letters, digits, '-', '_', '.'); refusing to use it as a path");
        }
    }

    /**
     * Checks a path inside a repo ({@code config.json}, {@code subfolder/x.safetensors}) or a
     * revision ({@code main}, {@code refs/pr/1}): relative, '/'-separated, no empty, '.' or '..'
     * segment, no backslash, colon or control character.
     */
    static void checkRelative(String what, String s) {
        String why = null;
        if (s == null || s.isEmpty()) {
            why = "it is empty";
        } else if (s.startsWith("/")) {
            why = "it is an absolute path";
        } else if (s.indexOf('\\') >= 0) {
            why = "it contains a backslash";
        } else if (s.indexOf(':') >= 0) {
            why = "it contains ':'";
        } else if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            why = "it contains a control character";
        } else {
            for (String seg : s.split("/", -1)) {
                if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
                    why = "it contains the path segment '" + seg + "'";
                    break;
                }
            }
        }
        if (why != null) {
            throw new SiglipException(what + " '" + s + "' is not allowed: " + why);
        }
    }
}
