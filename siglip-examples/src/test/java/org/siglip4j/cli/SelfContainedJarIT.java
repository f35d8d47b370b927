package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code siglip.jar} runs when copied anywhere (issue #23: it used to die with
 * {@code NoClassDefFoundError: picocli/CommandLine} away from {@code target/lib}). Run by
 * maven-failsafe after {@code package}: the jar is copied alone into an empty folder and run
 * there, on the default model shipped inside it.
 */
class SelfContainedJarIT {

    record Result(int code, String out) {}

    static Result java(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", "siglip.jar"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished");
        return new Result(p.exitValue(), out);
    }

    @Test
    void runsFromAnEmptyFolderOnTheDefaultModel(@TempDir Path tmp) throws Exception {
        Path jar = Path.of("target", "siglip.jar");
        assertTrue(Files.isRegularFile(jar), "run after package: " + jar.toAbsolutePath());
        Files.copy(jar, tmp.resolve("siglip.jar"));
        Files.copy(Path.of("samples", "fashion-mnist-sneaker-0.png"), tmp.resolve("sneaker.png"));

        Result help = java(tmp, "--help");
        assertEquals(0, help.code(), help.out());
        assertTrue(help.out().contains("classify"), help.out());

        Result classify = java(tmp, "classify", "sneaker.png", "--labels",
                "t-shirt,trouser,pullover,dress,coat,sandal,shirt,sneaker,bag,ankle boot", "--template",
                "a photo of a {}.", "--top", "1", "--no-progress");
        assertEquals(0, classify.code(), classify.out());
        // the README's first command: the default model calls this image a sneaker (0.989100)
        List<String> lines = classify.out().lines().filter(l -> !l.startsWith("[")).toList(); // no log lines
        assertEquals("sneaker.png", lines.get(0), classify.out());
        assertTrue(lines.get(1).matches("  sneaker +0\\.98\\d+"), classify.out());
    }
}
