package org.siglip4j.core.hub;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;

/**
 * Downloads single files from a Hugging Face model repo into the shared hub cache, following
 * Python's {@code hf_hub_download}: a {@code HEAD} on {@code {endpoint}/{repo}/resolve/{revision}/{file}}
 * (redirects not followed, except relative ones of renamed repos) gives the commit
 * ({@code X-Repo-Commit}), the blob id ({@code X-Linked-Etag} or {@code ETag}) and size; the bytes
 * go to {@code blobs/{etag}.incomplete} (resumed with a {@code Range} request when it exists),
 * are size-checked (and sha256-checked for LFS files), renamed to {@code blobs/{etag}} and linked
 * from {@code snapshots/{commit}/{file}}; {@code refs/{revision}} records the commit.
 *
 * <p>No request is made when the revision is a commit hash whose snapshot file exists, or in
 * offline mode. When the hub cannot be reached the cached copy of the revision is used. The token
 * is only sent to the hub endpoint, never to the CDN an LFS file redirects to.
 *
 * <p>Thread-safe; concurrent downloads of one blob (in this or another process) are serialised by
 * a lock file under {@code {cache}/.locks}.
 *
 * <p>A facade over the parts that do the work: {@link HubCachePolicy} (cache or hub, and the
 * cache's refs and links), {@link HubTransport} (HTTP and the hub's errors), {@link BlobDownload}
 * (resumed, verified GETs) and {@link BlobLock} (one writer per blob).
 */
public final class HubClient {
    /** A full commit hash, as Python's {@code REGEX_COMMIT_HASH}. */
    static final Pattern COMMIT_HASH = Pattern.compile("^[0-9a-f]{40}$");
    static final String DEFAULT_REVISION = "main";

    private final HubConfig config;
    private final HubTransport transport;
    private final HubCachePolicy cache;

    /**
     * Creates a client.
     *
     * @param config hub settings
     */
    public HubClient(HubConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.transport = new HubTransport(config);
        this.cache = new HubCachePolicy(config, transport);
    }

    /** A client configured from the environment ({@link HubConfig#fromEnvironment()}). */
    public static HubClient fromEnvironment() {
        return new HubClient(HubConfig.fromEnvironment());
    }

    /** The settings this client uses. */
    public HubConfig config() {
        return config;
    }

    /**
     * The repo's folder in the cache, {@code {cache}/models--org--name} (it may not exist yet).
     *
     * @param repoId hub id such as {@code google/siglip-base-patch16-224}
     * @return the folder
     */
    public Path repoCacheDir(String repoId) {
        return new CacheLayout(config.cacheDir(), RepoId.of(repoId)).storage();
    }

    /**
     * Downloads a file of the {@code main} revision (or takes it from the cache).
     *
     * @param repoId hub id
     * @param filename file name in the repo
     * @return the file in the cache snapshot, {@code .../snapshots/{commit}/{filename}}
     * @throws SiglipException if the repo or file does not exist, access is refused, the hub cannot
     *     be reached and nothing is cached, or the download fails
     */
    public Path download(String repoId, String filename) {
        return download(repoId, DEFAULT_REVISION, filename, DownloadListener.NONE);
    }

    /**
     * Downloads a file (or takes it from the cache).
     *
     * @param repoId hub id
     * @param revision branch, tag or commit hash; {@code null} means {@code main}
     * @param filename file name in the repo
     * @param listener progress listener
     * @return the file in the cache snapshot, {@code .../snapshots/{commit}/{filename}}
     * @throws SiglipException as {@link #download(String, String)}
     */
    public Path download(String repoId, String revision, String filename, DownloadListener listener) {
        return cache.fetch(RepoId.of(repoId), revision, filename, listener, true).orElseThrow();
    }

    /**
     * Downloads a file that may legitimately be missing from the repo.
     *
     * @param repoId hub id
     * @param revision branch, tag or commit hash; {@code null} means {@code main}
     * @param filename file name in the repo
     * @param listener progress listener
     * @return the cached file, or empty when the repo has no such file (also when offline or the
     *     hub is unreachable and the file is not cached)
     * @throws SiglipException for anything else: missing repo or revision, refused access, I/O
     */
    public Optional<Path> downloadIfExists(String repoId, String revision, String filename, DownloadListener listener) {
        return cache.fetch(RepoId.of(repoId), revision, filename, listener, false);
    }

    /**
     * Looks a file up in the cache without any request (Python's {@code try_to_load_from_cache}).
     *
     * @param repoId hub id
     * @param revision branch, tag or commit hash; {@code null} means {@code main}
     * @param filename file name in the repo
     * @return the cached file of that revision, if any
     */
    public Optional<Path> cachedFile(String repoId, String revision, String filename) {
        String rev = revision == null ? DEFAULT_REVISION : revision;
        CacheLayout.checkRelative("revision", rev);
        CacheLayout.checkRelative("file name", filename);
        CacheLayout layout = new CacheLayout(config.cacheDir(), RepoId.of(repoId));
        return HubCachePolicy.commitOf(layout, rev).map(c -> layout.pointer(c, filename)).filter(layout::isCachedFile);
    }

    /**
     * Asks the hub about a file ({@code HEAD} request) without downloading it.
     *
     * @param repoId hub id
     * @param revision branch, tag or commit hash; {@code null} means {@code main}
     * @param filename file name in the repo
     * @return the file's metadata
     * @throws SiglipException if offline, unreachable, or the file, repo or revision is missing
     */
    public HubFileMetadata fileMetadata(String repoId, String revision, String filename) {
        RepoId repo = RepoId.of(repoId);
        String rev = revision == null ? DEFAULT_REVISION : revision;
        CacheLayout.checkRelative("revision", rev);
        CacheLayout.checkRelative("file name", filename);
        if (config.offline()) {
            throw new SiglipException("offline mode is on (HF_HUB_OFFLINE=1): cannot ask " + config.endpoint()
                    + " about " + HubTransport.describe(repo, rev, filename));
        }
        try {
            HubTransport.Head head = transport.head(repo, rev, filename);
            if (head.entryMissing) {
                throw HubCachePolicy.entryNotFound(repo, rev, filename);
            }
            return head.meta;
        } catch (IOException e) {
            throw new SiglipException("cannot reach " + config.endpoint() + " to look up "
                    + HubTransport.describe(repo, rev, filename) + ": " + e, e);
        }
    }

    static String percentEncode(String s, boolean keepSlash) {
        return HubTransport.percentEncode(s, keepSlash);
    }

    static String normalizeEtag(String etag) {
        return HubTransport.normalizeEtag(etag);
    }
}
