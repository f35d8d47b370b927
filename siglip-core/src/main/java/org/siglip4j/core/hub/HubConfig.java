package org.siglip4j.core.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.siglip4j.core.SiglipException;

/**
 * Hub settings: where the hub is, who we are, where the cache lives and whether the network may be
 * used. {@link #fromEnvironment()} reads them from the same environment variables as Python's
 * {@code huggingface_hub}; the canonical constructor is for tests and embedding applications.
 *
 * @param endpoint hub base URL without trailing slash, e.g. {@code https://huggingface.co}
 * @param token access token sent as {@code Authorization: Bearer}, or {@code null} for none
 * @param cacheDir the hub cache folder (the one holding {@code models--org--name} folders)
 * @param offline when true no request is made: only the cache is used
 * @param timeout connect timeout, time to wait for response headers, and the longest stall allowed
 *     while reading a body
 */
public record HubConfig(String endpoint, String token, Path cacheDir, boolean offline, Duration timeout) {

    /** The public hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** Same default as Python's {@code DEFAULT_DOWNLOAD_TIMEOUT}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    /**
     * Validates and normalises the settings.
     *
     * @throws SiglipException if the endpoint is not an http(s) URL, the cache folder is missing or
     *     the timeout is not positive
     */
    public HubConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        endpoint = endpoint.strip();
        while (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(endpoint);
        } catch (IllegalArgumentException e) {
            throw new SiglipException("hub endpoint '" + endpoint + "' is not a URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null) {
            throw new SiglipException("hub endpoint '" + endpoint
                    + "' must be an http(s) URL such as " + DEFAULT_ENDPOINT + " (check HF_ENDPOINT)");
        }
        if (token != null && token.isBlank()) {
            token = null;
        } else if (token != null) {
            token = token.strip();
        }
        Objects.requireNonNull(cacheDir, "cacheDir");
        cacheDir = cacheDir.toAbsolutePath().normalize();
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new SiglipException("hub timeout must be positive, got " + timeout);
        }
    }

    /**
     * Settings for a cache folder with everything else at its default (public hub, no token,
     * online, 10 s timeout).
     *
     * @param cacheDir the hub cache folder
     * @return the settings
     */
    public static HubConfig of(Path cacheDir) {
        return new HubConfig(DEFAULT_ENDPOINT, null, cacheDir, false, DEFAULT_TIMEOUT);
    }

    /**
     * Reads the settings from the process environment, see {@link #fromEnvironment(Map, Path)}.
     *
     * @return the settings
     */
    public static HubConfig fromEnvironment() {
        return fromEnvironment(System.getenv(), Paths.get(System.getProperty("user.home")));
    }

    /**
     * Reads the settings from the given variables, with the same precedence as Python's
     * {@code huggingface_hub}:
     * <ul>
     *   <li>endpoint: {@code HF_ENDPOINT}, else {@code https://huggingface.co};</li>
     *   <li>cache: {@code HF_HUB_CACHE}, else {@code HUGGINGFACE_HUB_CACHE}, else
     *       {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else
     *       {@code ~/.cache/huggingface/hub};</li>
     *   <li>token: {@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}, else the file
     *       {@code HF_TOKEN_PATH} or {@code $HF_HOME/token} written by {@code huggingface-cli login};</li>
     *   <li>offline: {@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) set to 1/ON/YES/TRUE;</li>
     *   <li>timeout: {@code HF_HUB_DOWNLOAD_TIMEOUT} seconds, else 10.</li>
     * </ul>
     * A leading {@code ~} in a path is expanded to {@code home}.
     *
     * @param env environment variables
     * @param home the user's home folder
     * @return the settings
     */
    public static HubConfig fromEnvironment(Map<String, String> env, Path home) {
        String endpoint = nonBlank(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT);
        Path hfHome = expand(nonBlank(env.get("HF_HOME"), null), home);
        if (hfHome == null) {
            Path xdg = expand(nonBlank(env.get("XDG_CACHE_HOME"), null), home);
            hfHome = (xdg != null ? xdg : home.resolve(".cache")).resolve("huggingface");
        }
        String cacheVar = nonBlank(env.get("HF_HUB_CACHE"), nonBlank(env.get("HUGGINGFACE_HUB_CACHE"), null));
        Path cache = cacheVar != null ? expand(cacheVar, home) : hfHome.resolve("hub");

        String token = nonBlank(env.get("HF_TOKEN"), nonBlank(env.get("HUGGING_FACE_HUB_TOKEN"), null));
        if (token == null) {
            Path tokenPath = expand(nonBlank(env.get("HF_TOKEN_PATH"), null), home);
            token = readToken(tokenPath != null ? tokenPath : hfHome.resolve("token"));
        }
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        Duration timeout = DEFAULT_TIMEOUT;
        String t = nonBlank(env.get("HF_HUB_DOWNLOAD_TIMEOUT"), null);
        if (t != null) {
            try {
                timeout = Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
            } catch (NumberFormatException e) {
                throw new SiglipException("HF_HUB_DOWNLOAD_TIMEOUT must be a number of seconds, got '" + t + "'");
            }
        }
        return new HubConfig(endpoint, token, cache, offline, timeout);
    }

    /** A copy with another endpoint. */
    public HubConfig withEndpoint(String newEndpoint) {
        return new HubConfig(newEndpoint, token, cacheDir, offline, timeout);
    }

    /** A copy with another token ({@code null} for none). */
    public HubConfig withToken(String newToken) {
        return new HubConfig(endpoint, newToken, cacheDir, offline, timeout);
    }

    /** A copy with another cache folder. */
    public HubConfig withCacheDir(Path newCacheDir) {
        return new HubConfig(endpoint, token, newCacheDir, offline, timeout);
    }

    /** A copy with offline mode on or off. */
    public HubConfig withOffline(boolean newOffline) {
        return new HubConfig(endpoint, token, cacheDir, newOffline, timeout);
    }

    /** A copy with another timeout. */
    public HubConfig withTimeout(Duration newTimeout) {
        return new HubConfig(endpoint, token, cacheDir, offline, newTimeout);
    }

    /** Whether a token is set. */
    public boolean hasToken() {
        return token != null;
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "HubConfig[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "***")
                + ", cacheDir=" + cacheDir + ", offline=" + offline + ", timeout=" + timeout + "]";
    }

    private static boolean isTrue(String v) {
        return v != null && TRUE_VALUES.contains(v.strip().toUpperCase(Locale.ROOT));
    }

    private static String nonBlank(String v, String fallback) {
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private static Path expand(String p, Path home) {
        if (p == null) {
            return null;
        }
        if (p.equals("~")) {
            return home;
        }
        if (p.startsWith("~/")) {
            return home.resolve(p.substring(2));
        }
        return Paths.get(p);
    }

    private static String readToken(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                String s = Files.readString(file, StandardCharsets.UTF_8).strip();
                return s.isEmpty() ? null : s;
            }
        } catch (IOException e) {
            // an unreadable token file is the same as none: public repos still work
        }
        return null;
    }
}
