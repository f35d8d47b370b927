package org.siglip4j.examples.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipPresets;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.onnx.Quantization;

/**
 * A published SigLIP shape with seeded random weights on the PyTorch engine and on ONNX Runtime
 * (float32, int8, int4, int8-weights): export time, the largest difference and the lowest cosine
 * of the embeddings to PyTorch's (vision b8 on uniform random pixels, text b32 on random ids),
 * and vision b1 / b8 images/s and text b32 texts/s, rounds alternating between the engines.
 *
 * <pre>
 * java -cp siglip-examples/target/siglip.jar org.siglip4j.examples.bench.PresetEngineBench [PRESET] [ROUNDS]
 * </pre>
 */
public final class PresetEngineBench {
    private PresetEngineBench() {}

    /** Runs the comparison. */
    public static void main(String[] args) throws IOException {
        String preset = args.length > 0 ? args[0] : "base-patch16-224";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        SiglipConfig config = SiglipPresets.get(preset);
        Engine.getInstance().setRandomSeed(0);
        Path cache = Files.createTempDirectory("siglip4j-onnx-preset");
        try (NDManager manager = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.newModel(config, manager);
                NDManager in = NDManager.newBaseManager()) {
            int size = config.visionConfig().imageSize();
            NDArray px1 = in.randomUniform(-1, 1, new Shape(1, 3, size, size));
            NDArray px8 = in.randomUniform(-1, 1, new Shape(8, 3, size, size));
            NDArray ids = in.randomInteger(0, config.textConfig().vocabSize(),
                    new Shape(32, config.textConfig().maxPositionEmbeddings()), DataType.INT64);
            Map<String, SiglipEngine> engines = new LinkedHashMap<>();
            engines.put("pytorch float32", SiglipEngine.open(model, null, ExecutionPolicy.DEFAULT));
            for (boolean fused : new boolean[] {false, true}) {
                for (Quantization q : Quantization.values()) {
                    long t0 = System.nanoTime();
                    engines.put("onnxruntime " + q.label() + (fused ? " fused" : ""), SiglipEngine.open(model, null,
                            ExecutionPolicy.of(EngineType.ONNXRUNTIME).withQuantization(q).withOnnxCacheDir(cache)
                                    .withOnnxFusedOps(fused)));
                    System.out.printf(Locale.ROOT, "%s%s: export + sessions %.1f s%n", q.label(), fused ? " fused" : "",
                            (System.nanoTime() - t0) / 1e9);
                }
            }
            float[] refImages = engines.get("pytorch float32").imageFeatures(px8, true).toFloatArray();
            float[] refTexts = engines.get("pytorch float32").textFeatures(ids, true).toFloatArray();
            Map<String, double[][]> rates = new LinkedHashMap<>();
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, SiglipEngine> e : engines.entrySet()) {
                    SiglipEngine g = e.getValue();
                    double[][] v = rates.computeIfAbsent(e.getKey(), k -> new double[3][rounds]);
                    v[0][r] = EngineComparison.rate(1, 3, () -> g.imageFeatures(px1, true).close());
                    v[1][r] = EngineComparison.rate(8, 1, () -> g.imageFeatures(px8, true).close());
                    v[2][r] = EngineComparison.rate(32, 1, () -> g.textFeatures(ids, true).close());
                }
            }
            System.out.println("| " + preset + " | max abs diff / min cosine to PyTorch, image embeds b8 | text "
                    + "embeds b32 | images/s b1 | images/s b8 | texts/s b32 |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (Map.Entry<String, SiglipEngine> e : engines.entrySet()) {
                double[][] v = rates.get(e.getKey());
                float[] img = e.getValue().imageFeatures(px8, true).toFloatArray();
                float[] txt = e.getValue().textFeatures(ids, true).toFloatArray();
                System.out.printf(Locale.ROOT, "| %s | %.2g / %.6f | %.2g / %.6f | %.2f | %.2f | %.1f |%n", e.getKey(),
                        maxDiff(refImages, img), minCosine(refImages, img, config.visionConfig().hiddenSize()),
                        maxDiff(refTexts, txt), minCosine(refTexts, txt, config.textConfig().projectionSize()),
                        EngineComparison.median(v[0]), EngineComparison.median(v[1]), EngineComparison.median(v[2]));
            }
            engines.values().forEach(SiglipEngine::close);
        } finally {
            EngineComparison.deleteTree(cache);
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** The lowest cosine between matching unit rows of width {@code d}. */
    private static double minCosine(float[] a, float[] b, int d) {
        double min = 1;
        for (int r = 0; r < a.length / d; r++) {
            double dot = 0;
            for (int j = r * d; j < (r + 1) * d; j++) {
                dot += (double) a[j] * b[j];
            }
            min = Math.min(min, dot);
        }
        return min;
    }
}
