package org.siglip4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * Under the {@code libtorch} profile (docs/gpu.md) the engine must run the libtorch named by
 * {@code PYTORCH_LIBRARY_PATH}/{@code PYTORCH_VERSION}, not the one in the classpath: otherwise
 * the rest of the suite would silently test the default libtorch.
 */
class LibtorchOverrideTest {
    @Test
    void engineRunsTheOverriddenLibtorch() {
        String want = System.getProperty("PYTORCH_VERSION");
        assumeTrue(want != null && !want.isBlank(), "no libtorch override (the libtorch profile is off)");
        assertEquals(want, Engine.getInstance().getVersion());
        // the folder the native libraries were loaded from, as DJL recorded it
        assertEquals(Paths.get(System.getProperty("PYTORCH_LIBRARY_PATH")).toAbsolutePath().normalize(),
                Paths.get(LibUtils.getLibtorchPath()).toAbsolutePath().normalize());
    }
}
