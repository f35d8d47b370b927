package org.siglip4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #23's "done when": a fresh Maven project that depends on the built artifacts runs the
 * README's Java example (its output equal to the README's), a predictor loaded by a plain DJL
 * {@code Criteria} and a DJL Serving style request, all compared with the pipeline's scores. Run by
 * maven-failsafe after {@code package}, when every library module's jar is built;
 * {@code scripts/fresh-project-check.sh} does the work offline, with a private local repository.
 */
class FreshProjectIT {

    @Test
    void aFreshMavenProjectRunsTheReadmeCriteriaAndServingExamples(@TempDir Path tmp) throws Exception {
        Path script = Path.of("..", "scripts", "fresh-project-check.sh").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), tmp.toString()).redirectErrorStream(true);
        String repo = System.getProperty("siglip.localRepository");
        if (repo != null && !repo.isBlank()) {
            pb.environment().put("M2_REPO", repo);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "finished");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("fresh project check passed"), out);
    }
}
