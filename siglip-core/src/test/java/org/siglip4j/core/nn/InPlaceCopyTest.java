package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InPlaceCopyTest {

    @Test
    void copiesIntoTheSameArrayOfAnyShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray target = m.zeros(new Shape(2, 3));
            target.setRequiresGradient(true);
            InPlaceCopy.copy(target, m.arange(6f).reshape(3, 2).toType(DataType.FLOAT64, false));
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, target.toFloatArray());
            assertEquals(new Shape(2, 3), target.getShape());
            NDArray scalar = m.zeros(new Shape());
            InPlaceCopy.copy(scalar, new float[] {-10f});
            assertEquals(-10f, scalar.getFloat());
            assertThrows(IllegalArgumentException.class, () -> InPlaceCopy.copy(scalar, new float[] {1, 2}));
        }
    }

    /**
     * libtorch prints its deprecation warning on the native standard error, which only a child
     * process can capture. The child first does the copy, then (with "set") DJL's own set(float[]):
     * the warning must appear only in the second case, which also shows the capture works.
     */
    @Test
    void printsNoLibtorchDeprecationWarning() throws Exception {
        assertFalse(childStderr("copy").contains("AutoNonVariableTypeMode"));
        assertTrue(childStderr("set").contains("AutoNonVariableTypeMode"),
                "control: DJL's set(float[]) prints the warning, so the capture sees native stderr");
    }

    private static String childStderr(String mode) throws IOException, InterruptedException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-cp", cp, Child.class.getName(), mode))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child finished");
        assertEquals(0, p.exitValue(), err);
        return err;
    }

    /** The child process of {@link #printsNoLibtorchDeprecationWarning}. */
    static final class Child {
        private Child() {}

        public static void main(String[] args) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray target = m.zeros(new Shape(4));
                InPlaceCopy.copy(target, new float[] {1, 2, 3, 4});
                if (args[0].equals("set")) {
                    target.set(new float[] {4, 3, 2, 1});
                }
            }
        }
    }
}
