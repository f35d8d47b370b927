package org.siglip4j.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipPresets;
import org.siglip4j.core.engine.Calibrator;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.CalibrationCache;
import org.siglip4j.core.nn.KernelCalibration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code siglip calibrate}: measure this machine's linear kernels and chunk budgets once, and cache the picks. */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure which linear kernel and chunk budgets run right and fastest on this machine and "
                + "thread count, and cache the picks for later runs.",
            "Candidates: the engine's linear (MKL) and oneDNN as a 1x1 convolution, forward and backward apart, each "
                + "first checked against a float64 reference (a kernel wrong at any shape is never picked); inference "
                + "and training chunk budgets, timed on the model. The picks are kept per CPU, thread count and "
                + "libtorch in ~/.cache/siglip4j/calibration (or -Dsiglip4j.calibrationDir=DIR); -Dsiglip4j.onednnLinear "
                + "and -Dsiglip4j.chunkBytes still override them. See docs/performance.md."})
final class CalibrateCommand extends SiglipCommand {
    @Option(names = {"-m", "--model"}, paramLabel = "PRESET|MODEL", defaultValue = "base-patch16-224",
            description = "Whose layer shapes to measure: a preset (random weights, nothing downloaded), a model "
                    + "folder or a hub id (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--threads", paramLabel = "N",
            description = "libtorch intra-op threads to calibrate for; later runs must use the same count "
                    + "(default: libtorch's own, one per physical core).")
    Integer threads;

    @Override
    public Integer call() {
        if (threads != null) {
            if (threads < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got "
                        + threads);
            }
            // read by DJL's PyTorch engine when it starts; set afterwards too, as the calibration is keyed on it
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            Engine.getEngine("PyTorch"); // loads libtorch, which JniUtils needs
            if (JniUtils.getNumThreads() != threads) {
                JniUtils.setNumThreads(threads);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager m = NDManager.newBaseManager(); SiglipModel siglip = load(m)) {
            KernelCalibration c = Calibrator.calibrate(siglip, model, line -> {
                out.println(line);
                out.flush();
            });
            Path file = CalibrationCache.save(CalibrationCache.dir(), c);
            out.println("picked: " + c.summary());
            out.println("saved " + file);
        }
        return 0;
    }

    private SiglipModel load(NDManager m) {
        if (SiglipPresets.contains(model)) {
            return SiglipModel.newModel(SiglipConfig.preset(model), m);
        }
        return SiglipModel.fromPretrained(model, m);
    }
}
