package org.siglip4j.core.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class HubClient {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);

    /** A full commit hash, as Python's {@code REGEX_COMMIT_HASH}. */
    static final Pattern COMMIT_HASH = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private static final String DEFAULT_REVISION = "main";
    private static final int MAX_REDIRECTS = 10;
    /** Attempts of one GET, each resuming where the previous one stopped (Python retries 5 times). */
    private static final int MAX_ATTEMPTS = 5;
    private static final int BUFFER = 1 << 16;
    private static final String USER_AGENT = "siglip4j/0.1; java/" + Runtime.version().feature();

    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "siglip4j-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubConfig config;
    private final HttpClient http;
    private final URI endpoint;

    /**
     * Creates a client.
     *
     * @param config hub settings
     */
    public HubClient(HubConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.endpoint = URI.create(config.endpoint());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.timeout())
                .build();
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
        return fetch(RepoId.of(repoId), revision, filename, listener, true).orElseThrow();
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
        return fetch(RepoId.of(repoId), revision, filename, listener, false);
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
        CacheLayout cache = new CacheLayout(config.cacheDir(), RepoId.of(repoId));
        return commitOf(cache, rev).map(c -> cache.pointer(c, filename)).filter(cache::isCachedFile);
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
                    + " about " + describe(repo, rev, filename));
        }
        try {
            Head head = head(repo, rev, filename);
            if (head.entryMissing) {
                throw entryNotFound(repo, rev, filename);
            }
            return head.meta;
        } catch (IOException e) {
            throw new SiglipException("cannot reach " + config.endpoint() + " to look up "
                    + describe(repo, rev, filename) + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------------------------------

    private Optional<Path> fetch(RepoId repo, String revision, String filename, DownloadListener listener,
                                 boolean required) {
        String rev = revision == null ? DEFAULT_REVISION : revision;
        CacheLayout.checkRelative("revision", rev);
        CacheLayout.checkRelative("file name", filename);
        DownloadListener progress = listener == null ? DownloadListener.NONE : listener;
        CacheLayout cache = new CacheLayout(config.cacheDir(), repo);

        // A commit hash names immutable content: what is cached is final, no need to ask.
        if (COMMIT_HASH.matcher(rev).matches()) {
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
                            + describe(repo, rev, filename) + " in " + cache.cacheDir()
                            + "; download it once online, or unset HF_HUB_OFFLINE");
        }

        Head head;
        try {
            head = head(repo, rev, filename);
        } catch (IOException e) {
            LOG.debug("HEAD failed for {} {}: {}", repo, filename, e.toString());
            return fromCache(cache, repo, rev, filename, progress, required,
                    "cannot reach " + config.endpoint() + " and no cached copy of " + describe(repo, rev, filename)
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
                    downloadBlob(repo, rev, filename, meta, part, progress);
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
            throw new SiglipException("cannot store " + describe(repo, rev, filename) + " in the hub cache "
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

    private static Optional<String> commitOf(CacheLayout cache, String rev) {
        return COMMIT_HASH.matcher(rev).matches() ? Optional.of(rev) : cache.readRef(rev);
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

    private static SiglipException entryNotFound(RepoId repo, String rev, String filename) {
        return new SiglipException("file " + filename + " not found in model repo " + repo + " (revision " + rev + ")");
    }

    private static String describe(RepoId repo, String rev, String filename) {
        return filename + " from model repo " + repo + " (revision " + rev + ")";
    }

    // ---- HEAD -----------------------------------------------------------------------------------

    /** The HEAD outcome: metadata, or "the repo has no such file" with the commit if the hub said. */
    private static final class Head {
        HubFileMetadata meta;
        boolean entryMissing;
        String commit;
    }

    private Head head(RepoId repo, String rev, String filename) throws IOException {
        URI url = resolveUrl(repo, rev, filename);
        HttpResponse<Void> r = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            r = send(request(url, true).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity").build(), HttpResponse.BodyHandlers.discarding());
            Optional<String> location = r.headers().firstValue("Location");
            boolean redirect = r.statusCode() >= 300 && r.statusCode() < 400 && location.isPresent();
            // Relative redirects are renamed repos: follow them. Absolute ones lead to the CDN holding
            // an LFS file: stop, that URL is where the GET goes.
            if (redirect && URI.create(location.get()).getHost() == null) {
                url = url.resolve(location.get());
                continue;
            }
            break;
        }
        Head head = new Head();
        int status = r.statusCode();
        HttpHeaders h = r.headers();
        head.commit = h.firstValue("X-Repo-Commit").orElse(null);
        if (status >= 400) {
            if (isEntryMissing(r)) {
                head.entryMissing = true;
                return head;
            }
            throw httpError(r, repo, rev, filename);
        }
        if (status >= 300 && r.headers().firstValue("Location").isEmpty()) {
            throw new SiglipException(config.endpoint() + " answered HTTP " + status + " without a Location for "
                    + describe(repo, rev, filename));
        }
        if (head.commit == null) {
            throw new SiglipException("the answer of " + url + " has no X-Repo-Commit header: is "
                    + config.endpoint() + " a Hugging Face hub (check HF_ENDPOINT)?");
        }
        CacheLayout.checkSegment("commit hash", head.commit);
        boolean lfs = r.headers().firstValue("X-Linked-Etag").isPresent();
        String etag = normalizeEtag(h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElse(null));
        if (etag == null) {
            throw new SiglipException("the answer of " + url + " has no ETag: cannot tell which version of "
                    + filename + " it is");
        }
        CacheLayout.checkSegment("etag", etag);
        OptionalLong size = parseLong(h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).orElse(null));
        URI location = status >= 300 ? url.resolve(r.headers().firstValue("Location").get()) : url;
        head.meta = new HubFileMetadata(head.commit, etag, location, size, lfs);
        return head;
    }

    private static boolean isEntryMissing(HttpResponse<?> r) {
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        return code.equals("EntryNotFound") || (r.statusCode() == 404 && code.isEmpty());
    }

    private SiglipException httpError(HttpResponse<?> r, RepoId repo, String rev, String filename) {
        int status = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String page = config.endpoint() + "/" + repo;
        if (code.equals("RevisionNotFound")) {
            return new SiglipException("revision '" + rev + "' not found in model repo " + repo + " (" + page + ")");
        }
        if (code.equals("GatedRepo") || status == 401 || status == 403) {
            boolean maybeMissing = code.equals("RepoNotFound");
            if (!config.hasToken()) {
                return new SiglipException((maybeMissing ? "model repo " + repo + " not found, or it " : "repo " + repo + " ")
                        + "is gated or private: set HF_TOKEN to an access token (" + config.endpoint()
                        + "/settings/tokens) of an account that may read " + page + " (HTTP " + status + ")");
            }
            return new SiglipException("repo " + repo + " is gated or private and the token in HF_TOKEN was refused"
                    + " (HTTP " + status + "): request access on " + page
                    + " or set HF_TOKEN to a token with read access");
        }
        if (code.equals("RepoNotFound") || status == 404) {
            return new SiglipException("model repo " + repo + " not found on " + config.endpoint()
                    + " (nor is there a local folder of that name)");
        }
        return new SiglipException(config.endpoint() + " answered HTTP " + status + " for "
                + describe(repo, rev, filename) + (status >= 500 || status == 429 ? "; try again later" : ""));
    }

    private URI resolveUrl(RepoId repo, String rev, String filename) {
        // Python: quote(revision, safe="") and quote(filename) (which keeps '/')
        return URI.create(config.endpoint() + "/" + repo.id() + "/resolve/" + percentEncode(rev, false) + "/"
                + percentEncode(filename, true));
    }

    static String percentEncode(String s, boolean keepSlash) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/')) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return b.toString();
    }

    /** Strips {@code W/} and quotes, as Python's {@code _normalize_etag}. */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        e = e.replace("\"", "");
        return e.isEmpty() ? null : e;
    }

    private static OptionalLong parseLong(String s) {
        try {
            return s == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s.strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private HttpRequest.Builder request(URI url, boolean withToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(config.timeout()).header("User-Agent", USER_AGENT);
        if (withToken && config.hasToken() && sameOrigin(url, endpoint)) {
            b.header("Authorization", "Bearer " + config.token());
        }
        return b;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SiglipException("interrupted while requesting " + req.uri(), e);
        }
    }

    // ---- GET ------------------------------------------------------------------------------------

    private void downloadBlob(RepoId repo, String rev, String filename, HubFileMetadata meta, Path part,
                              DownloadListener progress) throws IOException {
        long expected = meta.size().orElse(-1);
        // Python drops the token whenever the HEAD pointed elsewhere (LFS on a CDN)
        boolean withToken = meta.location().equals(resolveUrl(repo, rev, filename));
        IOException last = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            long have = Files.exists(part) ? Files.size(part) : 0;
            if (expected >= 0 && have > expected) {
                Files.delete(part);
                have = 0;
            }
            if (expected >= 0 && have == expected && Files.exists(part)) {
                last = null;
                break; // complete already (an earlier run stopped before the rename)
            }
            try {
                long total = get(meta.location(), withToken, part, have, expected, filename, progress, repo, rev);
                if (expected < 0) {
                    expected = total;
                }
                long now = Files.size(part);
                if (expected < 0 || now == expected) {
                    last = null;
                    break;
                }
                last = new IOException("connection closed at " + now + " of " + expected + " bytes");
            } catch (IOException e) {
                last = e;
            }
            LOG.warn("download of {} from {} stopped ({}); resuming (attempt {} of {})", filename, repo,
                    last.getMessage(), attempt + 1, MAX_ATTEMPTS);
        }
        long now = Files.exists(part) ? Files.size(part) : 0;
        if (last != null || (expected >= 0 && now != expected)) {
            throw new SiglipException("download of " + describe(repo, rev, filename) + " stopped at " + now + " of "
                    + (expected < 0 ? "?" : Long.toString(expected)) + " bytes after " + MAX_ATTEMPTS + " attempts ("
                    + last + "); run again to resume from " + part, last);
        }
        if (meta.lfs() && SHA256.matcher(meta.etag()).matches()) {
            String actual = sha256(part);
            if (!actual.equals(meta.etag())) {
                Files.delete(part);
                throw new SiglipException("downloaded " + describe(repo, rev, filename) + " is corrupt: sha256 "
                        + actual + ", the hub says " + meta.etag() + "; the partial file was deleted, run again");
            }
        }
    }

    /** One GET into {@code part} starting at {@code have}; returns the full size when it is known. */
    private long get(URI location, boolean withToken, Path part, long have, long expected, String filename,
                     DownloadListener progress, RepoId repo, String rev) throws IOException {
        URI url = location;
        boolean token = withToken;
        HttpResponse<InputStream> r = null;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(url, token).GET();
            if (have > 0) {
                b.header("Range", "bytes=" + have + "-");
            }
            r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            Optional<String> loc = r.headers().firstValue("Location");
            if (r.statusCode() >= 300 && r.statusCode() < 400 && loc.isPresent()) {
                r.body().close();
                URI next = url.resolve(loc.get());
                token = token && sameOrigin(next, url);
                url = next;
                continue;
            }
            break;
        }
        int status = r.statusCode();
        try (InputStream in = r.body()) {
            long start;
            if (status == 206) {
                String range = r.headers().firstValue("Content-Range").orElse("");
                if (!range.startsWith("bytes " + have + "-")) {
                    throw new IOException("asked for bytes " + have + "- but got Content-Range '" + range + "'");
                }
                start = have;
            } else if (status == 200) {
                start = 0; // server ignored the Range: start over
            } else if (status == 416 && have > 0) {
                return expected; // nothing left to send: the caller checks the size
            } else if (status >= 400) {
                throw httpError(r, repo, rev, filename);
            } else {
                throw new IOException("unexpected HTTP " + status + " from " + url);
            }
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            long total = expected >= 0 ? expected : length >= 0 ? start + length : -1;
            try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                out.truncate(start);
                out.position(start);
                copyWithWatchdog(in, out, start, total, filename, progress, url);
            }
            return total;
        }
    }

    private void copyWithWatchdog(InputStream in, FileChannel out, long start, long total, String filename,
                                  DownloadListener progress, URI url) throws IOException {
        // A stalled server would block read() forever (the JDK's response stream ignores interrupts),
        // so a watchdog closes the stream when no byte came for the configured timeout, which wakes
        // the reader with an IOException; the caller then resumes with a Range request.
        long timeoutNanos = config.timeout().toNanos();
        AtomicLong lastByte = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long period = Math.max(10, Math.min(1000, config.timeout().toMillis() / 4));
        ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastByte.get() > timeoutNanos && stalled.compareAndSet(false, true)) {
                try {
                    in.close();
                } catch (IOException e) {
                    // closing is all we can do
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
        long done = start;
        try {
            byte[] buf = new byte[BUFFER];
            int n;
            while ((n = in.read(buf)) >= 0) {
                lastByte.set(System.nanoTime());
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
                done += n;
                progress.onProgress(filename, done, total);
            }
            if (stalled.get()) {
                throw new IOException("stream closed after a stall");
            }
        } catch (IOException e) {
            if (stalled.get()) {
                throw new IOException("no data from " + url.getHost() + " for " + config.timeout().toMillis() + " ms", e);
            }
            throw e;
        } finally {
            watch.cancel(false);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[BUFFER];
            try (InputStream in = Files.newInputStream(file)) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- cache writes ---------------------------------------------------------------------------

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

    /** Excludes other threads (JVM lock) and other processes (file lock) from one blob. */
    private static final class BlobLock implements AutoCloseable {
        private final ReentrantLock jvmLock;
        private final FileChannel channel;
        private final FileLock fileLock;

        private BlobLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) {
            this.jvmLock = jvmLock;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        static BlobLock acquire(Path lockFile) throws IOException {
            ReentrantLock lock = JVM_LOCKS.computeIfAbsent(lockFile, p -> new ReentrantLock());
            lock.lock();
            FileChannel ch = null;
            try {
                ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                return new BlobLock(lock, ch, ch.lock());
            } catch (IOException | RuntimeException e) {
                if (ch != null) {
                    ch.close();
                }
                lock.unlock();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                jvmLock.unlock();
            }
        }
    }
}
