package org.siglip4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.ChildJvm;
import org.siglip4j.core.testing.Fixtures;

/**
 * A platform where ONNX Runtime's natives do not load (simulated in a child JVM by pointing ONNX
 * Runtime's {@code onnxruntime.native.path} at an empty folder): one error naming the model and
 * suggesting {@code --engine pytorch}, no JVM crash.
 */
class OnnxRuntimeMissingTest {
    @Test
    void missingNativesAreOneClearError(@TempDir Path empty) throws Exception {
        try (ChildJvm child = ChildJvm.start(OnnxRuntimeMissingTest.class, empty.toString())) {
            String line;
            String message = null;
            while ((line = child.nextLine(120)) != null) {
                if (line.startsWith("MESSAGE: ")) {
                    message = line.substring("MESSAGE: ".length());
                    break;
                }
            }
            assertNotNull(message, "the child printed no message");
            assertTrue(message.startsWith("cannot run " + Fixtures.dir() + " on ONNX Runtime: its native library "
                    + "does not load on "), message);
            assertTrue(message.endsWith("; use --engine pytorch"), message);
        }
    }

    /** Child: opens the ONNX Runtime engine with natives that cannot load; prints the error's message. */
    public static void main(String[] args) throws Exception {
        System.setProperty("onnxruntime.native.path", args[0]);
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
            Path cache = Files.createTempDirectory("siglip4j-missing-ort");
            SiglipEngine.open(model, Fixtures.dir(), ExecutionPolicy.of(EngineType.ONNXRUNTIME)
                    .withOnnxCacheDir(cache)).close();
            System.out.println("MESSAGE: opened");
        } catch (SiglipException e) {
            System.out.println("MESSAGE: " + e.getMessage().replace('\n', ' '));
        }
        System.out.flush();
    }
}
