package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.nn.KernelCalibration.BudgetTiming;
import org.siglip4j.core.nn.KernelCalibration.Direction;
import org.siglip4j.core.nn.KernelCalibration.LinearTiming;
import org.siglip4j.core.testing.SystemProperties;

/** The calibration cache: round trip, bad files ignored, and the policy the entry point builds from it. */
class CalibrationCacheTest {
    private static final MachineKey KEY = new MachineKey("Some CPU @ 2.0GHz", "0123456789abcdef", 2, "2.7.1");

    private static KernelCalibration calibration(MachineKey key) {
        return new KernelCalibration(KernelCalibration.FORMAT, key, "base-patch16-224", LinearKernel.ONEDNN_CONV,
                LinearKernel.LINEAR, 48L << 20, 6L << 20,
                List.of(new LinearTiming("vision inference", 768, 3072, 1568, Direction.FORWARD, LinearKernel.LINEAR,
                        12.5, 3e-7, true)),
                List.of(new BudgetTiming(false, 48L << 20, 16, 2000), new BudgetTiming(true, 6L << 20, 8, 9000)));
    }

    @Test
    void roundTrip(@TempDir Path dir) {
        KernelCalibration c = calibration(KEY);
        Path file = CalibrationCache.save(dir, c);
        assertEquals(dir.resolve(KEY.fileName()), file);
        assertEquals(Optional.of(c), CalibrationCache.load(dir, KEY));
        // another thread count, CPU or libtorch finds nothing
        assertEquals(Optional.empty(), CalibrationCache.load(dir, new MachineKey(KEY.cpu(), KEY.flagsHash(), 4,
                KEY.libtorch())));
        assertEquals(Optional.empty(), CalibrationCache.load(dir, new MachineKey(KEY.cpu(), KEY.flagsHash(), 2, "2.8.0")));
    }

    @Test
    void aCorruptFileIsIgnored(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(KEY.fileName()), "{\"format\": 1, \"machine\": ");
        assertEquals(Optional.empty(), CalibrationCache.load(dir, KEY));
        Files.writeString(dir.resolve(KEY.fileName()), "{\"format\": 1}");
        assertEquals(Optional.empty(), CalibrationCache.load(dir, KEY), "fields missing");
        Files.writeString(dir.resolve(KEY.fileName()), "");
        assertEquals(Optional.empty(), CalibrationCache.load(dir, KEY), "empty");
    }

    /** A file under this key's name that holds another machine's key, or another format, is stale. */
    @Test
    void aStaleFileIsIgnored(@TempDir Path dir) throws Exception {
        MachineKey other = new MachineKey("Other CPU", KEY.flagsHash(), 2, "2.7.1");
        Path written = CalibrationCache.save(dir, calibration(other));
        Files.move(written, dir.resolve(KEY.fileName()));
        assertEquals(Optional.empty(), CalibrationCache.load(dir, KEY));
        KernelCalibration c = calibration(KEY);
        CalibrationCache.save(dir, new KernelCalibration(KernelCalibration.FORMAT + 1, KEY, c.model(),
                c.inferenceLinear(), c.trainingLinear(), c.inferenceChunkBytes(), c.trainingChunkBytes(), c.linear(),
                c.budgets()));
        assertEquals(Optional.empty(), CalibrationCache.load(dir, KEY));
    }

    /**
     * The entry point's policy: the built-in defaults without a calibration, the calibration's picks
     * with one for this machine, and explicit properties over both.
     */
    @Test
    void thePolicyUsesThisMachinesCalibrationUnderTheProperties(@TempDir Path dir) {
        SystemProperties.with(CalibrationCache.DIR_PROPERTY, dir.toString(), () -> {
            assertEquals(ComputePolicy.DEFAULT, ComputePolicy.fromSystemProperties());
            CalibrationCache.save(dir, calibration(KEY)); // another machine's: not this one
            assertEquals(ComputePolicy.DEFAULT, ComputePolicy.fromSystemProperties());
            CalibrationCache.save(dir, calibration(MachineKey.current()));
            ComputePolicy calibrated = ComputePolicy.fromSystemProperties();
            assertEquals(new ComputePolicy(48L << 20, 6L << 20, AttentionImplementation.HEAD_GROUPED,
                    ComputePolicy.DEFAULT.attentionScoreBytes(), true, false), calibrated);
            SystemProperties.with(ComputePolicy.ONEDNN_PROPERTY, "false", () -> SystemProperties.with(
                    ComputePolicy.CHUNK_PROPERTY, "5", () -> assertEquals(new ComputePolicy(5, 5,
                            AttentionImplementation.HEAD_GROUPED, ComputePolicy.DEFAULT.attentionScoreBytes(), false),
                            ComputePolicy.fromSystemProperties())));
            assertTrue(calibrated.describe().contains("onednn-conv (inference), linear (training)"),
                    calibrated.describe());
        });
    }

    /** The layers take the training switch while autograd records and the inference one otherwise. */
    @Test
    void theSwitchFollowsAutograd() {
        ComputePolicy p = ComputePolicy.DEFAULT.withOneDnnLinear(true, false);
        try (GradMode off = GradMode.disabled()) {
            assertTrue(p.oneDnnLinearNow());
        }
        try (GradMode on = GradMode.enabled()) {
            assertEquals(false, p.oneDnnLinearNow());
        }
    }
}
