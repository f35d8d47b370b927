package org.siglip4j.core.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.siglip4j.core.SiglipException;

/** Fetches an image over HTTP(S) for {@link ImageInput.Remote}, with time and size limits. */
final class RemoteImages {
    /** Larger responses are refused: no image a SigLIP model reads needs more, and memory is finite. */
    static final long MAX_BYTES = 256L << 20;

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();

    private RemoteImages() {}

    static byte[] fetch(URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .header("User-Agent", "siglip4j").GET().build();
        try {
            HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new SiglipException("cannot fetch image " + uri + ": HTTP " + response.statusCode());
                }
                byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, MAX_BYTES + 1));
                if (bytes.length > MAX_BYTES) {
                    throw new SiglipException("image " + uri + " is larger than " + (MAX_BYTES >> 20) + " MiB");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new SiglipException("cannot fetch image " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SiglipException("interrupted while fetching image " + uri, e);
        }
    }
}
