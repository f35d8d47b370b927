package org.siglip4j.core.hub;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A local stand-in for huggingface.co, bound to 127.0.0.1 on an ephemeral port, answering
 * {@code HEAD}/{@code GET /{repo}/resolve/{revision}/{file}} the way the hub does: {@code X-Repo-Commit},
 * git-sha1 {@code ETag}s, LFS files as a 302 to {@code /lfs/{sha256}} with {@code X-Linked-Etag} /
 * {@code X-Linked-Size}, {@code X-Error-Code} on errors, relative redirects for renamed repos and
 * {@code Range} requests. Every request is logged; faults can be injected.
 */
final class FakeHub implements AutoCloseable {

    /** One logged request. */
    record Request(String method, String path, String range, String authorization) {}

    /** One repo: its files at one commit. */
    static final class Repo {
        final Map<String, byte[]> files = new LinkedHashMap<>();
        final Set<String> lfs = new java.util.HashSet<>(Set.of("model.safetensors"));
        final Map<String, String> etagOverride = new HashMap<>();
        String commit;
        String token;

        Repo(String commit) {
            this.commit = commit;
        }

        Repo put(String name, byte[] content) {
            files.put(name, content);
            return this;
        }

        Repo putFrom(Path dir, String... names) {
            for (String n : names) {
                try {
                    files.put(n, Files.readAllBytes(dir.resolve(n)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return this;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfsBlobs = new ConcurrentHashMap<>();
    private final List<Request> log = Collections.synchronizedList(new ArrayList<>());
    /** Bytes after which the next full LFS GET is cut (connection closed), -1 for none. */
    private volatile long cutNextLfsGetAt = -1;
    /** Millis the next full LFS GET stalls after half the bytes (then it is cut), 0 for none. */
    private volatile long stallNextLfsGetMillis;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-hub");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void addRepo(String id, Repo repo) {
        repos.put(id, repo);
        for (String f : repo.lfs) {
            byte[] b = repo.files.get(f);
            if (b != null) {
                lfsBlobs.put(sha256(b), b);
            }
        }
    }

    void rename(String oldId, String newId) {
        renamed.put(oldId, newId);
    }

    void cutNextLfsGetAt(long bytes) {
        cutNextLfsGetAt = bytes;
    }

    void stallNextLfsGet(long millis) {
        stallNextLfsGetMillis = millis;
    }

    List<Request> requests() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The id git gives a blob: sha1 of "blob {size}\0" + content (the hub's ETag of small files). */
    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) {
        try {
            respond(ex);
        } catch (IOException e) {
            // a deliberately cut response ends here ("insufficient bytes written")
        } finally {
            ex.close();
        }
    }

    private void respond(HttpExchange ex) throws IOException {
        {
            String method = ex.getRequestMethod();
            String raw = ex.getRequestURI().getRawPath();
            Headers in = ex.getRequestHeaders();
            log.add(new Request(method, raw, in.getFirst("Range"), in.getFirst("Authorization")));
            if (raw.startsWith("/lfs/")) {
                byte[] b = lfsBlobs.get(raw.substring(5));
                if (b == null) {
                    send(ex, 404, null);
                } else {
                    serveBytes(ex, b, true);
                }
                return;
            }
            int at = raw.indexOf("/resolve/");
            if (at < 0) {
                send(ex, 404, null);
                return;
            }
            String repoId = raw.substring(1, at);
            String rest = raw.substring(at + "/resolve/".length());
            if (renamed.containsKey(repoId)) {
                ex.getResponseHeaders().set("Location", "/" + renamed.get(repoId) + "/resolve/" + rest);
                send(ex, 307, null);
                return;
            }
            int slash = rest.indexOf('/');
            String revision = URLDecoder.decode(rest.substring(0, slash), StandardCharsets.UTF_8);
            String file = URLDecoder.decode(rest.substring(slash + 1), StandardCharsets.UTF_8);
            Repo repo = repos.get(repoId);
            String auth = in.getFirst("Authorization");
            if (repo == null) {
                // like the hub: an anonymous caller cannot tell "missing" from "private"
                ex.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
                send(ex, auth == null ? 401 : 404, null);
                return;
            }
            if (repo.token != null && !("Bearer " + repo.token).equals(auth)) {
                ex.getResponseHeaders().set("X-Error-Code", "GatedRepo");
                send(ex, auth == null ? 401 : 403, null);
                return;
            }
            if (!revision.equals("main") && !revision.equals(repo.commit)) {
                ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
                send(ex, 404, null);
                return;
            }
            Headers out = ex.getResponseHeaders();
            out.set("X-Repo-Commit", repo.commit);
            byte[] b = repo.files.get(file);
            if (b == null) {
                out.set("X-Error-Code", "EntryNotFound");
                send(ex, 404, null);
                return;
            }
            String etag = repo.etagOverride.get(file);
            if (repo.lfs.contains(file)) {
                String sha = sha256(b);
                out.set("ETag", "\"" + gitSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha
                        + "\nsize " + b.length + "\n").getBytes(StandardCharsets.UTF_8)) + "\"");
                out.set("X-Linked-Etag", "\"" + (etag != null ? etag : sha) + "\"");
                out.set("X-Linked-Size", Long.toString(b.length));
                out.set("Location", endpoint() + "/lfs/" + sha);
                send(ex, 302, null);
                return;
            }
            out.set("ETag", "\"" + (etag != null ? etag : gitSha1(b)) + "\"");
            serveBytes(ex, b, false);
        }
    }

    private void serveBytes(HttpExchange ex, byte[] b, boolean lfs) throws IOException {
        Headers out = ex.getResponseHeaders();
        out.set("Accept-Ranges", "bytes");
        if (ex.getRequestMethod().equals("HEAD")) {
            out.set("Content-Length", Long.toString(b.length));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            int from = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            if (from >= b.length) {
                out.set("Content-Range", "bytes */" + b.length);
                send(ex, 416, null);
                return;
            }
            out.set("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
            ex.sendResponseHeaders(206, b.length - from);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(b, from, b.length - from);
            }
            return;
        }
        long cut = lfs ? cutNextLfsGetAt : -1;
        long stall = lfs ? stallNextLfsGetMillis : 0;
        if (cut >= 0 || stall > 0) {
            cutNextLfsGetAt = -1;
            stallNextLfsGetMillis = 0;
            int n = cut >= 0 ? (int) cut : b.length / 2;
            ex.sendResponseHeaders(200, b.length);
            OutputStream os = ex.getResponseBody();
            os.write(b, 0, n);
            os.flush();
            if (stall > 0) {
                try {
                    Thread.sleep(stall);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // closing the exchange with bytes missing drops the connection
            return;
        }
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body == null ? -1 : body.length);
        if (body != null) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }
}
