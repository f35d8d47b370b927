package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.nn.CalibrationCache;
import org.siglip4j.core.nn.ComputePolicy;
import org.siglip4j.core.nn.KernelCalibration;
import org.siglip4j.core.nn.KernelCalibration.Direction;
import org.siglip4j.core.nn.LinearKernel;
import org.siglip4j.core.nn.MachineKey;
import org.siglip4j.core.testing.SystemProperties;

/**
 * {@code siglip calibrate} on the tiny fixture into a temporary cache folder (never the user's):
 * the file lands under this machine's key, holds every kernel in both directions, and is what the
 * next model's policy and {@code siglip bench}'s header use. No timing is asserted.
 */
class CalibrateCommandTest {
    @Test
    void calibratesTheTinyModelIntoTheCacheTheBenchReports(@TempDir Path tmp) {
        Path dir = tmp.resolve("calibration");
        SystemProperties.with(CalibrationCache.DIR_PROPERTY, dir.toString(), () -> {
            Engine.getEngine("PyTorch"); // loads libtorch, which JniUtils needs
            int threads = JniUtils.getNumThreads();
            PipelineCommandsTest.Run r = PipelineCommandsTest.run("calibrate", "--model", PipelineCommandsTest.model(),
                    "--threads", String.valueOf(threads));
            assertEquals(0, r.code(), r.err() + r.out());
            MachineKey key = MachineKey.current();
            Path file = dir.resolve(key.fileName());
            assertTrue(r.out().contains("saved " + file), r.out());
            assertTrue(r.out().contains("picked: linear "), r.out());
            KernelCalibration c = CalibrationCache.load(dir, key).orElseThrow();
            assertEquals(PipelineCommandsTest.model(), c.model());
            assertEquals(threads, c.machine().threads());
            for (Direction d : Direction.values()) {
                Set<LinearKernel> kernels = c.linear().stream().filter(t -> t.direction() == d)
                        .map(KernelCalibration.LinearTiming::kernel).collect(Collectors.toSet());
                assertEquals(EnumSet.allOf(LinearKernel.class), kernels, d.toString());
            }
            // the engine's own linear is right everywhere, so it is always a candidate
            assertTrue(c.linear().stream().filter(t -> t.kernel() == LinearKernel.LINEAR)
                    .allMatch(KernelCalibration.LinearTiming::correct), c.linear().toString());
            assertEquals(6, c.budgets().size());
            ComputePolicy policy = ComputePolicy.fromSystemProperties();
            assertEquals(c.applyTo(ComputePolicy.DEFAULT), policy);

            Path json = tmp.resolve("bench.json");
            PipelineCommandsTest.Run bench = PipelineCommandsTest.run("bench", "--quick", "--no-peer", "--rows",
                    "tokenizer", "--assets", PipelineCommandsTest.model(), "--json", json.toString());
            assertEquals(0, bench.code(), bench.err() + bench.out());
            assertTrue(bench.out().contains("compute: " + policy.describe() + " (calibrated for "), bench.out());
            JsonObject machine = JsonParser.parseString(read(json)).getAsJsonObject().getAsJsonObject("machine");
            assertEquals(policy.describe(), machine.get("compute").getAsString());
        });
    }

    @Test
    void badInputIsOneLine(@TempDir Path tmp) {
        SystemProperties.with(CalibrationCache.DIR_PROPERTY, tmp.toString(), () -> {
            PipelineCommandsTest.assertOneLineError(PipelineCommandsTest.run("calibrate", "--model",
                    tmp.resolve("no-such-model").toString()), "no-such-model");
            PipelineCommandsTest.Run r = PipelineCommandsTest.run("calibrate", "--threads", "0");
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("--threads must be at least 1"), r.err());
        });
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
