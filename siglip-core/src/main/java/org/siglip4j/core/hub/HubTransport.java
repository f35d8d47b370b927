package org.siglip4j.core.hub;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.siglip4j.core.SiglipException;

/**
 * The HTTP side of the hub client: requests to {@code {endpoint}/{repo}/resolve/{revision}/{file}}
 * (the token only ever sent to the hub's own origin), the {@code HEAD} that names a file's commit,
 * blob id and size, and the hub's errors turned into messages a user can act on.
 */
final class HubTransport {
    private static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "siglip4j/0.1; java/" + Runtime.version().feature();

    private final HubConfig config;
    private final HttpClient http;
    private final URI endpoint;

    HubTransport(HubConfig config) {
        this.config = config;
        this.endpoint = URI.create(config.endpoint());
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.timeout())
                .build();
    }

    /** The most redirects one request follows. */
    static int maxRedirects() {
        return MAX_REDIRECTS;
    }

    static String describe(RepoId repo, String rev, String filename) {
        return filename + " from model repo " + repo + " (revision " + rev + ")";
    }

    /** The HEAD outcome: metadata, or "the repo has no such file" with the commit if the hub said. */
    static final class Head {
        HubFileMetadata meta;
        boolean entryMissing;
        String commit;
    }

    Head head(RepoId repo, String rev, String filename) throws IOException {
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

    SiglipException httpError(HttpResponse<?> r, RepoId repo, String rev, String filename) {
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

    URI resolveUrl(RepoId repo, String rev, String filename) {
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

    HttpRequest.Builder request(URI url, boolean withToken) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(config.timeout()).header("User-Agent", USER_AGENT);
        if (withToken && config.hasToken() && sameOrigin(url, endpoint)) {
            b.header("Authorization", "Bearer " + config.token());
        }
        return b;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme()))
                && Objects.equals(lower(a.getHost()), lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SiglipException("interrupted while requesting " + req.uri(), e);
        }
    }
}
