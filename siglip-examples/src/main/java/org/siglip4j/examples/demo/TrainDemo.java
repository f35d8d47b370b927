package org.siglip4j.examples.demo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.engine.PyTorchEngine;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.eval.ClassificationMetrics;
import org.siglip4j.eval.Embeddings;
import org.siglip4j.train.ReleaseFreeMemory;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.PairSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo run: a small SigLIP trained from scratch with this project's trainer on Fashion-MNIST
 * and MNIST (120,000 real images, 20 classes described in words), then scored zero-shot on both
 * official test sets with text prompts alone. Its output is the model shipped as the default of
 * the {@code siglip} command.
 */
public final class TrainDemo {

    /**
     * Settings of a run.
     *
     * @param fashionMnist folder with the Fashion-MNIST IDX files
     * @param mnist folder with the MNIST IDX files
     * @param out output folder (model, log, plot, report)
     * @param steps optimiser steps
     * @param batchSize pairs per step
     * @param learningRate peak learning rate
     * @param seed data order seed
     * @param workers decoding threads
     * @param showProgress draw a progress bar
     */
    public record Options(Path fashionMnist, Path mnist, Path out, int steps, int batchSize, double learningRate,
                          long seed, int workers, boolean showProgress) {}

    /**
     * Zero-shot results on one test set.
     *
     * @param dataset "fashion-mnist" or "mnist"
     * @param images test images scored
     * @param top1Train top-1 accuracy with the training templates (averaged per class)
     * @param top1HeldOut top-1 accuracy with templates never seen in training
     * @param meanPerClassTrain mean per-class accuracy, training templates
     * @param captionRecallAt1 image-to-caption R@1 among held-out captions (see {@link #captionRecall})
     * @param confusion confusion matrix [true][predicted], training templates
     * @param classes class names
     */
    public record DatasetResult(String dataset, int images, double top1Train, double top1HeldOut,
                                double meanPerClassTrain, double captionRecallAt1, int[][] confusion,
                                List<String> classes) {}

    /**
     * Everything a run produced.
     *
     * @param options the settings
     * @param trainSeconds wall time of training alone
     * @param pairsPerSecond training throughput
     * @param finalLoss the loss of the last step
     * @param results per test set
     * @param modelDir the trained model (HF layout)
     */
    public record Report(Options options, double trainSeconds, double pairsPerSecond, double finalLoss,
                         List<DatasetResult> results, Path modelDir) {}

    private static final String PROCESSOR_RESOURCES = "/org/siglip4j/examples/demo/processor/";
    private static final List<String> PROCESSOR_FILES = List.of("spiece.model", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json");

    private TrainDemo() {}

    /**
     * The demo architecture: a ViT on 28x28 images in 7x7 patches (16 tokens) and a two-layer
     * text tower on 32 tokens, width 128: about 1.4 M parameters, small enough to train on two
     * CPU cores in minutes.
     */
    public static SiglipConfig config() {
        SiglipVisionConfig v = SiglipVisionConfig.defaults();
        v = new SiglipVisionConfig(128, 512, 4, 4, 3, 28, 7, v.hiddenAct(), v.layerNormEps(), 0.0, true,
                v.extra());
        SiglipTextConfig t = SiglipTextConfig.defaults();
        t = new SiglipTextConfig(512, 128, 512, 2, 4, 32, t.hiddenAct(), t.layerNormEps(), 0.0, t.padTokenId(),
                t.bosTokenId(), t.eosTokenId(), 128, t.extra());
        return SiglipConfig.of(t, v);
    }

    /** Writes the tokenizer and preprocessor files of the demo model into {@code dir}. */
    public static void writeProcessorFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : PROCESSOR_FILES) {
            try (InputStream in = TrainDemo.class.getResourceAsStream(PROCESSOR_RESOURCES + f)) {
                if (in == null) {
                    throw new SiglipException("resource " + PROCESSOR_RESOURCES + f + " missing from the build");
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** A greyscale IDX image as RGB (the channel replicated, as PIL's convert("RGB")). */
    static RgbImage rgb(IdxReader.Images images, int i) {
        byte[] g = images.image(i);
        byte[] rgb = new byte[g.length * 3];
        for (int k = 0; k < g.length; k++) {
            rgb[3 * k] = g[k];
            rgb[3 * k + 1] = g[k];
            rgb[3 * k + 2] = g[k];
        }
        return new RgbImage(images.cols(), images.rows(), rgb);
    }

    /** Training pairs over several splits: captions from each split's training templates. */
    static PairSource pairs(List<DemoData.Split> splits, SiglipImageProcessor processor) {
        int total = splits.stream().mapToInt(DemoData.Split::size).sum();
        return new PairSource() {
            private int[] locate(int i) {
                int s = 0;
                while (i >= splits.get(s).size()) {
                    i -= splits.get(s).size();
                    s++;
                }
                return new int[] {s, i};
            }

            @Override
            public int size() {
                return total;
            }

            @Override
            public List<String> captions(int i) {
                int[] at = locate(i);
                DemoData.Split sp = splits.get(at[0]);
                String name = sp.classes().get(sp.labels()[at[1]]);
                return sp.trainTemplates().stream().map(t -> t.replace("{}", name)).toList();
            }

            @Override
            public String group(int i) {
                int[] at = locate(i);
                DemoData.Split sp = splits.get(at[0]);
                return sp.name() + ":" + sp.labels()[at[1]];
            }

            @Override
            public float[] pixels(int i) {
                int[] at = locate(i);
                return processor.preprocess(rgb(splits.get(at[0]).images(), at[1]));
            }

            @Override
            public String describe(int i) {
                int[] at = locate(i);
                return splits.get(at[0]).name() + " #" + at[1];
            }
        };
    }

    /** Runs the whole demo: train, evaluate, write the report. */
    public static Report run(Options o) throws IOException {
        DemoData.Split fashionTrain = DemoData.fashionMnist(o.fashionMnist(), true);
        DemoData.Split mnistTrain = DemoData.mnist(o.mnist(), true);
        DemoData.Split fashionTest = DemoData.fashionMnist(o.fashionMnist(), false);
        DemoData.Split mnistTest = DemoData.mnist(o.mnist(), false);
        Path init = o.out().resolve("init");
        writeProcessorFiles(init);
        SiglipImageProcessor processor = SiglipImageProcessor.load(init);
        try (NDManager root = NDManager.newBaseManager();
             SiglipModel model = SiglipModel.newModel(config(), root);
             SiglipTokenizer tokenizer = SiglipTokenizer.load(init)) {
            // The paper's initialisation of the temperature and bias (t' = log 10, b = -10).
            org.siglip4j.core.nn.InPlaceCopy.copy(model.logitScale().getArray(), new float[] {(float) Math.log(10)});
            org.siglip4j.core.nn.InPlaceCopy.copy(model.logitBias().getArray(), new float[] {-10f});
            TrainerConfig cfg = TrainerConfig.builder(o.out()).optSteps(o.steps()).optBatchSize(o.batchSize())
                    .optLearningRate(o.learningRate()).optWarmupSteps(Math.max(1, o.steps() / 20))
                    .optWeightDecay(1e-4).optClipNorm(1.0).optSeed(o.seed()).optWorkers(o.workers())
                    .optPrefetch(3).optShowProgress(o.showProgress()).build();
            SiglipTrainer.Result r;
            try (SiglipTrainer trainer = new SiglipTrainer(model, tokenizer, init, cfg)) {
                trainer.addListener(new ReleaseFreeMemory()); // the evaluation that follows needs less
                r = trainer.fit(pairs(List.of(fashionTrain, mnistTrain), processor), false, null, 0);
            }
            List<DatasetResult> results = new ArrayList<>();
            for (DemoData.Split test : List.of(fashionTest, mnistTest)) {
                results.add(evaluate(model, tokenizer, processor, test, test.size()));
            }
            Report report = new Report(o, r.seconds(), r.pairsPerSecond(), r.finalLoss(), results, r.finalModel());
            writeReport(report, o.out());
            return report;
        }
    }

    /** Zero-shot evaluation of a model on the first {@code limit} images of a test split. */
    public static DatasetResult evaluate(SiglipModel model, SiglipTokenizer tokenizer, SiglipImageProcessor processor,
                                         DemoData.Split test, int limit) {
        return evaluate(new PyTorchEngine(model), tokenizer, processor, test, limit);
    }

    /** {@link #evaluate(SiglipModel, SiglipTokenizer, SiglipImageProcessor, DemoData.Split, int)} on any engine. */
    public static DatasetResult evaluate(SiglipEngine model, SiglipTokenizer tokenizer, SiglipImageProcessor processor,
                                         DemoData.Split test, int limit) {
        int n = Math.min(limit, test.size());
        float[][] images = embedImages(model, processor, test, n);
        int[] labels = java.util.Arrays.copyOf(test.labels(), n);
        float[][] trainClasses = classEmbeddings(model, tokenizer, test.classes(), test.trainTemplates());
        float[][] heldClasses = classEmbeddings(model, tokenizer, test.classes(), test.heldOutTemplates());
        ClassificationMetrics train = ClassificationMetrics.compute(
                Embeddings.similarity(images, trainClasses), labels, test.classes(), 10);
        ClassificationMetrics held = ClassificationMetrics.compute(
                Embeddings.similarity(images, heldClasses), labels, test.classes(), 10);
        int k = test.classes().size();
        int[][] confusion = new int[k][k];
        float[][] scores = Embeddings.similarity(images, trainClasses);
        for (int i = 0; i < n; i++) {
            confusion[labels[i]][argMax(scores[i])]++;
        }
        double recall = captionRecall(model, tokenizer, images, labels, test);
        return new DatasetResult(test.name(), n, train.top1(), held.top1(), train.meanPerClassAccuracy(), recall,
                confusion, test.classes());
    }

    /**
     * Image-to-caption retrieval on held-out captions: the first 1,000 images each get one caption
     * from a held-out template (template {@code i mod T}, the image's class); for each image the
     * best-scoring caption among the 1,000 counts as a hit when it names the image's class (several
     * captions share a class, so "its own" caption is any caption of its class).
     */
    static double captionRecall(SiglipEngine model, SiglipTokenizer tokenizer, float[][] images, int[] labels,
                                DemoData.Split test) {
        int n = Math.min(1000, images.length);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String t = test.heldOutTemplates().get(i % test.heldOutTemplates().size());
            captions.add(t.replace("{}", test.classes().get(labels[i])));
        }
        float[][] text = embedTexts(model, tokenizer, captions);
        float[][] sim = Embeddings.similarity(java.util.Arrays.copyOf(images, n), text);
        int hits = 0;
        for (int i = 0; i < n; i++) {
            hits += labels[argMax(sim[i])] == labels[i] ? 1 : 0;
        }
        return hits / (double) n;
    }

    private static int argMax(float[] v) {
        int best = 0;
        for (int j = 1; j < v.length; j++) {
            if (v[j] > v[best]) {
                best = j;
            }
        }
        return best;
    }

    /** Image {@code i} of a split as RGB (what the processor takes). */
    public static RgbImage image(DemoData.Split split, int i) {
        return rgb(split.images(), i);
    }

    /** Normalised image embeddings of the first n images of a split, in batches. */
    public static float[][] embedImages(SiglipEngine model, SiglipImageProcessor processor, DemoData.Split split,
            int n) {
        float[][] out = new float[n][];
        int batch = 500;
        for (int start = 0; start < n; start += batch) {
            int end = Math.min(n, start + batch);
            List<RgbImage> imgs = new ArrayList<>();
            for (int i = start; i < end; i++) {
                imgs.add(rgb(split.images(), i));
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray px = processor.preprocess(imgs, m);
                NDArray e = model.imageFeatures(px, true);
                long d = e.getShape().get(1);
                float[] flat = e.toFloatArray();
                for (int i = start; i < end; i++) {
                    out[i] = java.util.Arrays.copyOfRange(flat, (int) ((i - start) * d), (int) ((i - start + 1) * d));
                }
            }
        }
        return out;
    }

    /** Normalised text embeddings. */
    static float[][] embedTexts(SiglipEngine model, SiglipTokenizer tokenizer, List<String> texts) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = model.textFeatures(tokenizer.encode(texts, m), true);
            int d = (int) e.getShape().get(1);
            float[] flat = e.toFloatArray();
            float[][] out = new float[texts.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
            return out;
        }
    }

    /** One unit row per class: the re-normalised mean of its prompt embeddings (open_clip's protocol). */
    public static float[][] classEmbeddings(SiglipEngine model, SiglipTokenizer tokenizer, List<String> classes,
                                            List<String> templates) {
        float[][] out = new float[classes.size()][];
        for (int c = 0; c < classes.size(); c++) {
            String name = classes.get(c);
            out[c] = Embeddings.normalisedMean(
                    embedTexts(model, tokenizer, templates.stream().map(t -> t.replace("{}", name)).toList()), name);
        }
        return out;
    }

    private static void writeReport(Report r, Path out) throws IOException {
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                .registerTypeHierarchyAdapter(Path.class, new com.google.gson.TypeAdapter<Path>() {
                    @Override
                    public void write(com.google.gson.stream.JsonWriter w, Path p) throws IOException {
                        w.value(p == null ? null : p.toString());
                    }

                    @Override
                    public Path read(com.google.gson.stream.JsonReader in) throws IOException {
                        return Path.of(in.nextString());
                    }
                }).create();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", "siglip train-demo --steps " + r.options().steps() + " --batch-size "
                + r.options().batchSize() + " --lr " + r.options().learningRate() + " --seed " + r.options().seed());
        json.put("report", r);
        json.put("java", System.getProperty("java.version"));
        json.put("cores", Runtime.getRuntime().availableProcessors());
        Files.writeString(out.resolve("demo-report.json"), gson.toJson(json), StandardCharsets.UTF_8);
        for (DatasetResult d : r.results()) {
            ConfusionPlot.write(d.confusion(), d.classes(), d.dataset() + " zero-shot confusion (test set)",
                    out.resolve("confusion-" + d.dataset() + ".png"));
        }
    }

    /** Files of the trained model that the default model consists of. */
    public static final List<String> MODEL_FILES = List.of("config.json", "model.safetensors", "spiece.model",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json");

    /** Training records copied beside the shipped model (provenance, not loaded). */
    public static final List<String> PROVENANCE_FILES = List.of("demo-report.json", "metrics.jsonl", "loss.png",
            "confusion-fashion-mnist.png", "confusion-mnist.png");

    /**
     * Ships a finished run as the default model: copies the model files (and an index with their
     * sizes and SHA-256) and the run's provenance into {@code modelDir}, writes the sample images
     * into {@code samplesDir}, and records how many of them the model classifies right.
     *
     * @return the number of samples classified right
     */
    public static int ship(Path runOut, Path fashionMnist, Path mnist, Path modelDir, Path samplesDir, int perClass)
            throws IOException {
        Files.createDirectories(modelDir);
        StringBuilder index = new StringBuilder("# name size sha256 (the default model; see docs/demo.md)\n");
        for (String f : MODEL_FILES) {
            Path src = runOut.resolve("model").resolve(f);
            Files.copy(src, modelDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            byte[] bytes = Files.readAllBytes(src);
            index.append(f).append(' ').append(bytes.length).append(' ').append(sha256(bytes)).append('\n');
        }
        Files.writeString(modelDir.resolve("files.txt"), index.toString(), StandardCharsets.UTF_8);
        for (String f : PROVENANCE_FILES) {
            Files.copy(runOut.resolve(f), modelDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        List<DemoSamples.Sample> samples = DemoSamples.write(
                List.of(DemoData.fashionMnist(fashionMnist, false), DemoData.mnist(mnist, false)), perClass, samplesDir);
        try (org.siglip4j.core.pipeline.SiglipPipeline p = org.siglip4j.core.pipeline.SiglipPipeline.load(modelDir)) {
            int correct = DemoSamples.correct(p, samplesDir, samples);
            DemoSamples.writeIndex(samplesDir, samples, correct);
            return correct;
        }
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Shape of the pixel tensor the demo model takes. */
    static Shape pixelShape(int n) {
        return new Shape(n, 3, 28, 28);
    }
}
