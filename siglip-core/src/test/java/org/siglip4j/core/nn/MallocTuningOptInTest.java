package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.Fixtures;

/**
 * Loading a model leaves the process's allocator alone (issue #23): {@link MallocTuning} runs only
 * when the application calls it. A child JVM logs class initialisation; the tuning's class must be
 * initialised only in the run that calls {@code apply()}, which also shows the log sees it.
 */
class MallocTuningOptInTest {

    @Test
    void loadingAModelDoesNotTuneTheAllocator() throws Exception {
        assertFalse(initializesTuning("load"), "loading a model must not touch mallopt");
        assertTrue(initializesTuning("apply"), "control: an explicit apply() is seen");
    }

    private static boolean initializesTuning(String mode) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xlog:class+init=info", "-cp", cp,
                Child.class.getName(), mode, Fixtures.dir().toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), out);
        return out.contains("Initializing 'org/siglip4j/core/nn/MallocTuning'");
    }

    /** The child process: loads the fixture model, and with "apply" tunes the allocator first. */
    static final class Child {
        private Child() {}

        public static void main(String[] args) {
            if (args[0].equals("apply")) {
                MallocTuning.apply();
            }
            try (NDManager m = NDManager.newBaseManager();
                    SiglipModel model = SiglipModel.fromPretrained(Path.of(args[1]), m)) {
                model.config();
            }
        }
    }
}
