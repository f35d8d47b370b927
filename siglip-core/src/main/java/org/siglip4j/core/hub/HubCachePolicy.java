package org.siglip4j.core.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When the hub cache answers and when the hub is asked, as Python's {@code hf_hub_download}
 * decides: a commit hash whose snapshot file exists (or is marked missing) needs no request;
 * offline or unreachable, the cached copy of the revision serves; otherwise the {@code HEAD}'s
 * commit and blob id decide whether a blob is downloaded (under its {@link BlobLock}) and linked
 * from {@code snapshots/{commit}/{file}}, with {@code refs/{revision}} recording the commit.
 */
final class HubCachePolicy {
    private static final Logger LOG = LoggerFactory.getLogger(HubCachePolicy.class);

    private final HubConfig config;
    private final HubTransport transport;
    private final BlobDownload blobs;

    HubCachePolicy(HubConfig config, HubTransport transport) {
        this.config = config;
        this.transport = transport;
        this.blobs = new BlobDownload(config, transport);
    }

    Optional<Path> fetch(RepoId repo, String revision, String filename, DownloadListener listener,
                                 boolean required) {
        String rev = revision == null ? HubClient.DEFAULT_REVISION : revision;
        CacheLayout.checkRelative("revision", rev);
        CacheLayout.checkRelative("file name", filename);
        DownloadListener progress = listener == null ? DownloadListener.NONE : listener;
        CacheLayout cache = new CacheLayout(config.cacheDir(), repo);

        // A commit hash names immutable content: what is cached is final, no need to ask.
        if (HubClient.COMMIT_HASH.matcher(rev).matches()) {
            Path pointer = cache.pointer(rev, filename);
            if (cache.isCachedFile(pointer)) {
                return Optional.of(reportCached(pointer, filename, progress));
            }
            if (cache.isMarkedNoExist(rev, filename)) {
                return notFound(repo, rev, filename, required);
            }
        }
        if (config.offline()) {
            return fromCache(cache, repo, rev, filename, progress, required,
                    "offline mode is on (HF_HUB_OFFLINE=1) and there is no cached copy of "
                            + HubTransport.describe(repo, rev, filename) + " in " + cache.cacheDir()
                            + "; download it once online, or unset HF_HUB_OFFLINE");
        }

        HubTransport.Head head;
        try {
            head = transport.head(repo, rev, filename);
        } catch (IOException e) {
            LOG.debug("HEAD failed for {} {}: {}", repo, filename, e.toString());
            return fromCache(cache, repo, rev, filename, progress, required,
                    "cannot reach " + config.endpoint() + " and no cached copy of " + HubTransport.describe(repo, rev, filename)
                            + " in " + cache.cacheDir() + " (" + e + ")");
        }
        try {
            if (head.entryMissing) {
                if (head.commit != null && CacheLayout.isSafeSegment(head.commit)) {
                    cache.markNoExist(head.commit, filename);
                    if (!rev.equals(head.commit)) {
                        cache.writeRef(rev, head.commit);
                    }
                }
                return notFound(repo, rev, filename, required);
            }
            HubFileMetadata meta = head.meta;
            if (!rev.equals(meta.commitHash())) {
                cache.writeRef(rev, meta.commitHash());
            }
            Path pointer = cache.pointer(meta.commitHash(), filename);
            if (cache.isCachedFile(pointer)) {
                return Optional.of(reportCached(pointer, filename, progress));
            }
            Path blob = cache.blob(meta.etag());
            Path lockFile = cache.lockFile(meta.etag());
            cache.prepareWrite(lockFile);
            BlobLock lock = BlobLock.acquire(lockFile);
            try {
                if (!cache.isCachedFile(blob)) {
                    Path part = cache.incomplete(meta.etag());
                    cache.prepareWrite(part);
                    blobs.download(repo, rev, filename, meta, part, progress);
                    AtomicFiles.move(part, blob);
                } else {
                    reportCached(blob, filename, progress);
                }
                link(cache, blob, pointer);
            } finally {
                lock.close();
            }
            return Optional.of(pointer);
        } catch (IOException e) {
            throw new SiglipException("cannot store " + HubTransport.describe(repo, rev, filename) + " in the hub cache "
                    + cache.cacheDir() + ": " + e, e);
        }
    }

    private Optional<Path> fromCache(CacheLayout cache, RepoId repo, String rev, String filename,
                                     DownloadListener progress, boolean required, String failure) {
        Optional<String> commit = commitOf(cache, rev);
        if (commit.isPresent()) {
            Path pointer = cache.pointer(commit.get(), filename);
            if (cache.isCachedFile(pointer)) {
                return Optional.of(reportCached(pointer, filename, progress));
            }
            if (cache.isMarkedNoExist(commit.get(), filename)) {
                return notFound(repo, rev, filename, required);
            }
        }
        if (!required) {
            // Without the hub we cannot tell "missing in the repo" from "not downloaded": an
            // optional file is skipped, the caller decides whether what remains is enough.
            LOG.debug("skipping optional {}: {}", filename, failure);
            return Optional.empty();
        }
        throw new SiglipException(failure);
    }

    static Optional<String> commitOf(CacheLayout cache, String rev) {
        return HubClient.COMMIT_HASH.matcher(rev).matches() ? Optional.of(rev) : cache.readRef(rev);
    }

    private static Path reportCached(Path file, String filename, DownloadListener progress) {
        try {
            long size = Files.size(file);
            progress.onProgress(filename, size, size);
        } catch (IOException e) {
            // size is for display only
        }
        return file;
    }

    private static Optional<Path> notFound(RepoId repo, String rev, String filename, boolean required) {
        if (required) {
            throw entryNotFound(repo, rev, filename);
        }
        return Optional.empty();
    }

    static SiglipException entryNotFound(RepoId repo, String rev, String filename) {
        return new SiglipException("file " + filename + " not found in model repo " + repo + " (revision " + rev + ")");
    }

    /** Links the snapshot file to the blob with a relative symlink (a copy where links fail). */
    private static void link(CacheLayout cache, Path blob, Path pointer) throws IOException {
        cache.prepareWrite(pointer);
        Files.deleteIfExists(pointer);
        Path relative = pointer.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(pointer, relative);
        } catch (UnsupportedOperationException | IOException e) {
            LOG.debug("symlinks unavailable in {} ({}); copying {}", cache.cacheDir(), e.toString(), blob);
            Path tmp = pointer.resolveSibling(pointer.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            AtomicFiles.move(tmp, pointer);
        }
    }
}
