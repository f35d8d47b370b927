package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.siglip4j.cli.DefaultModel;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.onnx.Quantization;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipProcessor;
import org.siglip4j.examples.demo.DemoData;
import org.siglip4j.examples.demo.TrainDemo;

/**
 * The default model on each engine and quantisation (PyTorch float32; ONNX Runtime float32, int8,
 * int8-weights, int4): size on disk, images/s and texts/s at batch 32 (model call only, rounds
 * alternating between the modes), cosine of the image embeddings to PyTorch float32, and zero-shot
 * top-1 on the full Fashion-MNIST and MNIST test sets. Prints a Markdown table (docs/onnxruntime.md).
 *
 * <pre>
 * java -cp siglip-examples/target/siglip.jar org.siglip4j.examples.bench.EngineComparison FASHION_DIR MNIST_DIR [ROUNDS]
 * </pre>
 */
public final class EngineComparison {
    private static final int BATCH = 32;
    private static final int CALLS_PER_ROUND = 20;

    private EngineComparison() {}

    /** Runs the comparison. */
    public static void main(String[] args) throws IOException {
        Path fashion = Path.of(args[0]);
        Path mnist = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path dir = DefaultModel.path().orElseThrow();
        Path cache = Files.createTempDirectory("siglip4j-onnx-compare");
        List<DemoData.Split> tests = List.of(DemoData.fashionMnist(fashion, false), DemoData.mnist(mnist, false));
        Map<String, ExecutionPolicy> modes = new LinkedHashMap<>();
        modes.put("pytorch float32", ExecutionPolicy.DEFAULT);
        for (Quantization q : Quantization.values()) {
            modes.put("onnxruntime " + q.label(), ExecutionPolicy.of(EngineType.ONNXRUNTIME).withQuantization(q)
                    .withOnnxCacheDir(cache));
        }
        try (NDManager manager = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.fromPretrained(dir, manager);
                SiglipProcessor processor = SiglipProcessor.load(dir);
                NDManager inputs = NDManager.newBaseManager()) {
            Map<String, SiglipEngine> engines = new LinkedHashMap<>();
            modes.forEach((name, p) -> engines.put(name, SiglipEngine.open(model, dir, p)));
            List<RgbImage> images = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                images.add(TrainDemo.image(tests.get(0), i));
            }
            NDArray px = processor.imageProcessor().preprocess(images, inputs);
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                texts.add(DemoData.FASHION_TRAIN_TEMPLATES.get(i % 8).replace("{}", DemoData.FASHION_CLASSES.get(i % 10)));
            }
            NDArray ids = processor.processTexts(texts, inputs);
            Map<String, double[]> imageRates = new LinkedHashMap<>();
            Map<String, double[]> textRates = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, SiglipEngine> e : engines.entrySet()) {
                    imageRates.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] =
                            rate(BATCH, CALLS_PER_ROUND, () -> e.getValue().imageFeatures(px, true).close());
                    textRates.computeIfAbsent(e.getKey(), k -> new double[rounds])[r] =
                            rate(BATCH, CALLS_PER_ROUND, () -> e.getValue().textFeatures(ids, true).close());
                }
            }
            float[][] reference = TrainDemo.embedImages(engines.get("pytorch float32"), processor.imageProcessor(),
                    tests.get(0), 1000);
            System.out.println("| engine | weights | size on disk | images/s b32 | texts/s b32 | min / mean cosine to "
                    + "PyTorch f32 (1000 images) | Fashion-MNIST top-1 | MNIST top-1 |");
            System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
            for (Map.Entry<String, SiglipEngine> e : engines.entrySet()) {
                String name = e.getKey();
                SiglipEngine engine = e.getValue();
                float[][] emb = TrainDemo.embedImages(engine, processor.imageProcessor(), tests.get(0), 1000);
                double[] cos = cosines(reference, emb);
                List<String> top1 = new ArrayList<>();
                for (DemoData.Split t : tests) {
                    TrainDemo.DatasetResult d = TrainDemo.evaluate(engine, processor.tokenizer(),
                            processor.imageProcessor(), t, t.size());
                    top1.add(String.format(Locale.ROOT, "%.2f%%", 100 * d.top1Train()));
                }
                long size = name.startsWith("pytorch") ? Files.size(dir.resolve("model.safetensors"))
                        : folderSize(cache, modes.get(name).quantization());
                System.out.printf(Locale.ROOT, "| %s | %s | %.2f MB | %.0f | %.0f | %.6f / %.6f | %s | %s |%n",
                        name.split(" ")[0], name.split(" ")[1], size / 1e6, median(imageRates.get(name)),
                        median(textRates.get(name)), cos[0], cos[1], top1.get(0), top1.get(1));
            }
            engines.values().forEach(SiglipEngine::close);
        } finally {
            deleteTree(cache);
        }
    }

    /** Rows per second of {@code body} (a call over {@code rows} rows), over {@code calls} calls after a warm-up call. */
    static double rate(int rows, int calls, Runnable body) {
        body.run();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            body.run();
        }
        return (double) rows * calls / ((System.nanoTime() - t0) / 1e9);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double[] cosines(float[][] a, float[][] b) {
        double min = 1;
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double dot = 0;
            for (int j = 0; j < a[i].length; j++) {
                dot += (double) a[i][j] * b[i][j]; // both are unit rows
            }
            min = Math.min(min, dot);
            sum += dot;
        }
        return new double[] {min, sum / a.length};
    }

    /** Removes a bench's temporary export cache (gigabytes at ViT-B size). */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Bytes of the cached tower graphs of that quantisation under {@code cache}. */
    static long folderSize(Path cache, Quantization q) throws IOException {
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> p.getParent().getFileName().toString().replace("-fused", "").endsWith("-" + q.label())
                    && p.getFileName().toString().endsWith(".onnx")).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
