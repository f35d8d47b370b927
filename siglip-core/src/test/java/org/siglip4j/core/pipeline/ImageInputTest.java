package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.ImageFactory;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.testing.Fixtures;

/** Every form of image a Java program holds decodes to the same pixels as the file itself. */
class ImageInputTest {

    private static void assertSamePixels(RgbImage expected, ImageInput input) {
        RgbImage got = input.load();
        assertEquals(expected.width(), got.width(), input.name());
        assertEquals(expected.height(), got.height(), input.name());
        assertArrayEquals(expected.rgb(), got.rgb(), input.name());
    }

    @Test
    void everyFormOfTheSameFileGivesTheSamePixels() throws IOException {
        Path file = Fixtures.file("inputs/exif_rotated.jpg"); // EXIF orientation must survive every encoded form
        RgbImage expected = ImageLoader.load(file);
        byte[] bytes = Files.readAllBytes(file);
        assertSamePixels(expected, ImageInput.of(file.toString()));
        assertSamePixels(expected, ImageInput.of(file.toUri()));
        assertSamePixels(expected, ImageInput.of(file.toUri().toString()));
        assertSamePixels(expected, ImageInput.of(file.toUri().toURL()));
        assertSamePixels(expected, ImageInput.of(bytes));
        assertSamePixels(expected, ImageInput.of(new ByteArrayInputStream(bytes)));
        assertInstanceOf(ImageInput.FileImage.class, ImageInput.of(file.toUri()));
    }

    @Test
    void awtAndDjlImagesConvertLikePil() throws IOException {
        Path file = Fixtures.file("inputs/rgba_overlay.png"); // alpha dropped, not composited
        RgbImage expected = ImageLoader.load(file);
        assertSamePixels(expected, ImageInput.of(ImageIO.read(file.toFile())));
        assertSamePixels(expected, ImageInput.of(ImageFactory.getInstance().fromFile(file)));
    }

    @Test
    void httpImagesAreFetched() throws IOException {
        Path file = Fixtures.file("inputs/gradient_wide.png");
        byte[] bytes = Files.readAllBytes(file);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/img.png", ex -> {
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.createContext("/missing.png", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            ImageInput remote = ImageInput.of(base + "/img.png");
            assertInstanceOf(ImageInput.Remote.class, remote);
            assertSamePixels(ImageLoader.load(file), remote);
            SiglipException e = assertThrows(SiglipException.class,
                    () -> ImageInput.of(URI.create(base + "/missing.png")).load());
            assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void unsupportedFormsAreOneClearError() {
        SiglipException e = assertThrows(SiglipException.class, () -> ImageInput.listOf(List.of(42)));
        assertTrue(e.getMessage().contains("image #0 is a java.lang.Integer"), e.getMessage());
        assertThrows(SiglipException.class, () -> ImageInput.of(URI.create("ftp://example.org/a.png")));
    }
}
