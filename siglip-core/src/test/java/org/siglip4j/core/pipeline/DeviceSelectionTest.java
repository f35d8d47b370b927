package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

/** {@code --device} parsing: names, indices, and the one-line error when the engine sees no GPU. */
class DeviceSelectionTest {

    @Test
    void cpuAndDefault() {
        assertEquals(Device.cpu(), SiglipPipelines.device("cpu"));
        assertEquals(Device.cpu(), SiglipPipelines.device(" CPU "));
        Device d = SiglipPipelines.device(null);
        assertEquals(Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu(), d);
        assertEquals(List.of(d), SiglipPipelines.devices(""));
    }

    @Test
    void unknownNamesAndBadIndicesSayWhatIsExpected() {
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipPipelines.device("tpu"));
        assertTrue(e.getMessage().contains("expected cpu, gpu, cuda or cuda:N"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> SiglipPipelines.device("cuda:x"));
        assertTrue(e.getMessage().contains("must be a number"), e.getMessage());
        e = assertThrows(SiglipException.class, () -> SiglipPipelines.devices("cpu,cpu"));
        assertTrue(e.getMessage().contains("named twice"), e.getMessage());
    }

    @Test
    void cudaWithoutGpuIsOneActionableLine() {
        assumeTrue(Engine.getInstance().getGpuCount() == 0, "this engine sees a GPU");
        for (String name : new String[] {"gpu", "cuda", "cuda:0", "gpu:1", "cpu,cuda:1"}) {
            SiglipException e = assertThrows(SiglipException.class, () -> SiglipPipelines.devices(name));
            assertTrue(e.getMessage().contains("sees none; use --device cpu"), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    @Test
    void cudaIndexBeyondTheGpusIsRefused() {
        int gpus = Engine.getInstance().getGpuCount();
        assumeTrue(gpus > 0, "no GPU: covered by cudaWithoutGpuIsOneActionableLine");
        assertEquals(Device.gpu(gpus - 1), SiglipPipelines.device("cuda:" + (gpus - 1)));
        SiglipException e = assertThrows(SiglipException.class, () -> SiglipPipelines.device("cuda:" + gpus));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
