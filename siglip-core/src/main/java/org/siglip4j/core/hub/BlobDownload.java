package org.siglip4j.core.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verified download of one blob: GETs into {@code blobs/{etag}.incomplete}, resumed with
 * {@code Range} requests after a dropped or stalled connection (a watchdog closes a stream that
 * sends nothing for the configured timeout), then checked against the size the hub announced and,
 * for LFS files, against the sha256 their etag is.
 */
final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);
    private static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    /** Attempts of one GET, each resuming where the previous one stopped (Python retries 5 times). */
    private static final int MAX_ATTEMPTS = 5;
    private static final int BUFFER = 1 << 16;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "siglip4j-hub-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final HubConfig config;
    private final HubTransport transport;

    BlobDownload(HubConfig config, HubTransport transport) {
        this.config = config;
        this.transport = transport;
    }

    void download(RepoId repo, String rev, String filename, HubFileMetadata meta, Path part,
                              DownloadListener progress) throws IOException {
        long expected = meta.size().orElse(-1);
        // Python drops the token whenever the HEAD pointed elsewhere (LFS on a CDN)
        boolean withToken = meta.location().equals(transport.resolveUrl(repo, rev, filename));
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
            throw new SiglipException("download of " + HubTransport.describe(repo, rev, filename) + " stopped at " + now + " of "
                    + (expected < 0 ? "?" : Long.toString(expected)) + " bytes after " + MAX_ATTEMPTS + " attempts ("
                    + last + "); run again to resume from " + part, last);
        }
        if (meta.lfs() && SHA256.matcher(meta.etag()).matches()) {
            String actual = sha256(part);
            if (!actual.equals(meta.etag())) {
                Files.delete(part);
                throw new SiglipException("downloaded " + HubTransport.describe(repo, rev, filename) + " is corrupt: sha256 "
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
        for (int hop = 0; hop <= HubTransport.maxRedirects(); hop++) {
            HttpRequest.Builder b = transport.request(url, token).GET();
            if (have > 0) {
                b.header("Range", "bytes=" + have + "-");
            }
            r = transport.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            Optional<String> loc = r.headers().firstValue("Location");
            if (r.statusCode() >= 300 && r.statusCode() < 400 && loc.isPresent()) {
                r.body().close();
                URI next = url.resolve(loc.get());
                token = token && HubTransport.sameOrigin(next, url);
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
                throw transport.httpError(r, repo, rev, filename);
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
}
