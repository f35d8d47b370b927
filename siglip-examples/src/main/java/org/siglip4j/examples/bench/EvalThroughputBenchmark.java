package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;
import org.siglip4j.core.processing.SiglipProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.PromptTemplates;
import org.siglip4j.eval.SiglipEmbeddingModel;
import org.siglip4j.eval.Timing;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotResult;

/**
 * Zero-shot evaluation throughput (not a test; prints numbers): the tiny fixture model and a
 * randomly initialised {@code base-patch16-224} (the fixture's tokenizer, a 224 processor), on
 * synthetic 500x375 PNGs (ImageNet's most common size) in 4 classes, both image modes.
 *
 * <p>Run: {@code java -cp siglip-examples/target/siglip.jar
 * org.siglip4j.examples.bench.EvalThroughputBenchmark [images=64] [batch=32] [base=true]} from the
 * repository root (the tiny model comes from the fixture folder).
 */
public final class EvalThroughputBenchmark {

    private EvalThroughputBenchmark() {}

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        boolean base = args.length <= 2 || Boolean.parseBoolean(args[2]);
        System.out.printf("cores: %d, images: %d, batch: %d, max heap %d MiB%n",
                Runtime.getRuntime().availableProcessors(), n, batch,
                Runtime.getRuntime().maxMemory() >> 20);
        Path data = Files.createTempDirectory("siglip-eval-bench");
        try {
            writeImages(data, n);
            LabelledImageFolder folder = LabelledImageFolder.read(data);
            for (ImagePreprocessing mode : ImagePreprocessing.values()) {
                try (SiglipEmbeddingModel tiny = SiglipEmbeddingModel.load(Benchmark.FIXTURE, mode)) {
                    run("tiny (fixture, 32px)", tiny, folder, batch);
                }
            }
            if (base) {
                try (NDManager manager = NDManager.newBaseManager();
                        SiglipModel model = SiglipModel.newModel(
                                SiglipConfig.preset("base-patch16-224"), manager);
                        SiglipProcessor processor = new SiglipProcessor(
                                SiglipTokenizer.load(Benchmark.FIXTURE), new SiglipImageProcessor(
                                        SiglipImageProcessorConfig.defaults()))) {
                    for (ImagePreprocessing mode : ImagePreprocessing.values()) {
                        SiglipEmbeddingModel m = SiglipEmbeddingModel.of(model, processor,
                                "base-patch16-224-random", mode);
                        run("base-patch16-224 (random weights)", m, folder, batch);
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(data)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(String name, SiglipEmbeddingModel model, LabelledImageFolder folder,
            int batch) {
        // warm-up: PyTorch's first passes allocate and pick kernels
        model.embedImages(folder.images().subList(0, Math.min(batch, folder.images().size())));
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager()) {
            model.pixelValues(folder.images(), m);
        }
        double prep = (System.nanoTime() - t0) / 1e9;
        ZeroShotResult r = ZeroShotEvaluator.builder().setModel(model)
                .optTemplates(PromptTemplates.simple()).optBatchSize(batch).optShowProgress(false)
                .build().evaluate(folder);
        Timing t = r.timing();
        System.out.printf("%-34s %-22s %6.1f images/s (images %.2f s, of which decode+resize alone"
                + " %.2f s = %.0f images/s; %d texts %.2f s; wall %.2f s)%n", name,
                model.preprocessingId(), t.imagesPerSecond(), t.imageSeconds(), prep,
                folder.images().size() / prep, t.textsEmbedded(), t.textSeconds(),
                t.wallSeconds());
    }

    private static void writeImages(Path dir, int n) throws IOException {
        Random rnd = new Random(1);
        String[] classes = {"cat", "dog", "golden_retriever", "tabby_cat"};
        for (int i = 0; i < n; i++) {
            int w = 500;
            int h = 375;
            byte[] rgb = new byte[w * h * 3];
            // smooth gradient + noise: PNG-compressible like a photo, not a constant
            for (int y = 0, k = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++, k++) {
                        rgb[k] = (byte) ((x * (c + 1) + y * (3 - c) + i * 17) / 4
                                + rnd.nextInt(16));
                    }
                }
            }
            Path p = dir.resolve(classes[i % classes.length]).resolve(i + ".png");
            Files.createDirectories(p.getParent());
            ImageIO.write(new RgbImage(w, h, rgb).toBufferedImage(), "png", p.toFile());
        }
    }
}
