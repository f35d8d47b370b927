package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.data.RandomPairs;

/**
 * Training throughput (image-text pairs per second, full fine-tuning, one device) and peak
 * resident memory (VmHWM of /proc/self/status, which only grows: run one configuration per JVM
 * for a per-configuration peak). Not a test; run with
 * {@code java -cp siglip-examples/target/siglip.jar org.siglip4j.examples.bench.TrainingBenchmark tiny|base STEPS
 * BATCH...} from the repository root (the tiny model and the tokenizer come from the fixture folder).
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {}

    /** Entry point: {@code tiny|base STEPS BATCH...}. */
    public static void main(String[] args) throws IOException {
        String which = args[0];
        int steps = Integer.parseInt(args[1]);
        Path out = Files.createTempDirectory("siglip-bench");
        try (NDManager root = NDManager.newBaseManager();
             SiglipTokenizer tok = SiglipTokenizer.load(Benchmark.FIXTURE)) {
            for (int a = 2; a < args.length; a++) {
                int batch = Integer.parseInt(args[a]);
                try (SiglipModel model = which.equals("tiny") ? SiglipModel.fromPretrained(Benchmark.FIXTURE, root)
                        : SiglipModel.newModel(SiglipConfig.preset("base-patch16-224"), root)) {
                    int size = model.config().visionConfig().imageSize();
                    TrainerConfig cfg = TrainerConfig.builder(out).optBatchSize(batch).optSteps(steps + 1)
                            .optLearningRate(1e-5).optWarmupSteps(0).optShowProgress(false).build();
                    PairSource data = new RandomPairs(batch * (steps + 1), size);
                    try (SiglipTrainer t = new SiglipTrainer(model, tok, null, cfg);
                         BatchLoader loader = new BatchLoader(data, batch, 1, 2, 1)) {
                        t.step(loader.get(0)); // warm-up: allocator and kernels
                        List<BatchLoader.Batch> batches = new ArrayList<>();
                        for (int s = 1; s <= steps; s++) {
                            batches.add(loader.get(s));
                        }
                        long t0 = System.nanoTime();
                        for (BatchLoader.Batch b : batches) {
                            t.step(b);
                        }
                        double secs = (System.nanoTime() - t0) / 1e9;
                        System.out.printf(Locale.ROOT, "%s batch %d: %d steps, %.3f s/step, %.1f pairs/s, VmHWM %s%n",
                                which, batch, steps, secs / steps, steps * batch / secs, vmHwm());
                    }
                }
            }
        }
    }

    private static String vmHwm() {
        long kb = Rss.peakKib();
        return kb < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB", kb / 1024.0);
    }
}
