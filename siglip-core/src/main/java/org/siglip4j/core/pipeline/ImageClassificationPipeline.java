package org.siglip4j.core.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.AutoSiglip;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.processing.SiglipImageProcessor;

/**
 * Image classification with a fine-tuned head ({@link SiglipForImageClassification}, e.g. a folder
 * written by {@code siglip finetune --classification}), as Hugging Face's
 * {@code ImageClassificationPipeline}: the labels are the config's {@code id2label}, and the scores
 * are the softmax of the logits (a sigmoid when the head has a single label, as HF does for
 * {@code num_labels == 1}), highest first.
 *
 * <p>Thread safety as {@link SiglipPipeline}: calls may run concurrently; {@link #close()} must not
 * race with them.
 *
 * <pre>{@code
 * try (ImageClassificationPipeline classifier = ImageClassificationPipeline.fromPretrained("my-finetuned-model")) {
 *     List<LabelScore> top = classifier.classifyImage(Path.of("cat.jpg"));
 * }
 * }</pre>
 */
public final class ImageClassificationPipeline implements AutoCloseable {
    private final Path modelDir;
    private final int batchSize;
    private final NDManager manager;
    private final SiglipForImageClassification model;
    private final SiglipImageProcessor processor;
    private final List<String> labels;

    private ImageClassificationPipeline(Path modelDir, Device device, int batchSize) {
        this.modelDir = modelDir;
        this.batchSize = batchSize;
        this.manager = NDManager.newBaseManager(device);
        try {
            this.model = SiglipForImageClassification.fromPretrained(modelDir, manager);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.processor = SiglipImageProcessor.load(modelDir);
        this.labels = List.copyOf(model.id2label().values());
    }

    /**
     * Loads a fine-tuned classifier folder or hub id on the default device with the default batch size.
     *
     * @param folderOrHubId a {@code SiglipForImageClassification} folder ({@code config.json} with
     *     {@code id2label}, {@code model.safetensors}, {@code preprocessor_config.json}) or hub id
     * @return the pipeline; close it to free the weights
     */
    public static ImageClassificationPipeline fromPretrained(String folderOrHubId) {
        return fromPretrained(folderOrHubId, null, SiglipPipeline.DEFAULT_BATCH_SIZE);
    }

    /**
     * Loads a fine-tuned classifier.
     *
     * @param folderOrHubId a folder or hub id
     * @param device the device, or null for {@link SiglipPipelines#device(String) the default}
     * @param batchSize images per model call, at least 1
     * @return the pipeline
     * @throws SiglipException if the folder is not a {@code SiglipForImageClassification}
     */
    public static ImageClassificationPipeline fromPretrained(String folderOrHubId, Device device, int batchSize) {
        if (batchSize < 1) {
            throw new SiglipException("batch size must be at least 1, got " + batchSize);
        }
        Path dir = SiglipPipelines.resolveModel(folderOrHubId);
        if (!AutoSiglip.isImageClassifier(dir)) {
            throw new SiglipException("'" + folderOrHubId + "' is not a fine-tuned image classifier (its config.json "
                    + "does not name SiglipForImageClassification): use ZeroShotImageClassifier with candidate labels");
        }
        return new ImageClassificationPipeline(dir, device == null ? SiglipPipelines.device(null) : device, batchSize);
    }

    /** The model folder. */
    public Path modelDir() {
        return modelDir;
    }

    /** The class names, by index ({@code id2label}). */
    public List<String> labels() {
        return labels;
    }

    /** The underlying model (owned by this pipeline). */
    public SiglipForImageClassification model() {
        return model;
    }

    /**
     * Raw logits {@code [n][num_labels]}, in batches.
     *
     * @param images any inputs {@link ImageInput#of(Object)} accepts
     * @param progress told after each batch
     * @return one row per image in input order
     */
    public float[][] logits(List<?> images, ProgressListener progress) {
        List<ImageInput> inputs = ImageInput.listOf(images);
        float[][] out = new float[inputs.size()][];
        for (int start = 0; start < inputs.size(); start += batchSize) {
            List<ImageInput> batch = inputs.subList(start, Math.min(inputs.size(), start + batchSize));
            try (NDManager call = manager.newSubManager()) {
                NDArray px = processor.preprocess(new LazyImages(batch), call);
                float[] flat = model.logits(px).toFloatArray();
                int k = labels.size();
                for (int r = 0; r < batch.size(); r++) {
                    out[start + r] = java.util.Arrays.copyOfRange(flat, r * k, (r + 1) * k);
                }
            }
            progress.onProgress(start + batch.size(), inputs.size());
        }
        return out;
    }

    /**
     * Classifies images.
     *
     * @param images any inputs {@link ImageInput#of(Object)} accepts
     * @return per image (input order), every label with its score, highest first
     */
    public List<List<LabelScore>> classify(List<?> images) {
        return classify(images, ProgressListener.NONE);
    }

    /**
     * Classifies images, reporting progress after each batch.
     *
     * @param images any inputs {@link ImageInput#of(Object)} accepts
     * @param progress told after each batch
     * @return per image (input order), every label with its score, highest first
     */
    public List<List<LabelScore>> classify(List<?> images, ProgressListener progress) {
        List<List<LabelScore>> out = new ArrayList<>();
        for (float[] row : logits(images, progress)) {
            out.add(scores(row, labels));
        }
        return List.copyOf(out);
    }

    /**
     * Classifies one image.
     *
     * @param image any input {@link ImageInput#of(Object)} accepts
     * @return every label with its score, highest first
     */
    public List<LabelScore> classifyImage(Object image) {
        return classify(List.of(ImageInput.of(image))).get(0);
    }

    /**
     * HF's scores for one row of logits: softmax over the labels (sigmoid for a single label),
     * sorted highest first, equal scores in label order.
     *
     * @param logits one image's logits
     * @param labels the class names by index
     * @return the labelled scores
     */
    public static List<LabelScore> scores(float[] logits, List<String> labels) {
        List<LabelScore> out = new ArrayList<>(logits.length);
        if (logits.length == 1) {
            out.add(new LabelScore(labels.get(0), SimilarityMatrix.sigmoid(logits[0])));
            return out;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < logits.length; i++) {
            out.add(new LabelScore(labels.get(i), e[i] / sum));
        }
        out.sort(Comparator.comparingDouble(LabelScore::score).reversed());
        return List.copyOf(out);
    }

    /** Labels by index as a map, as the config holds them. */
    public Map<Integer, String> id2label() {
        return model.id2label();
    }

    /** Frees the weights. */
    @Override
    public void close() {
        try {
            model.close();
        } finally {
            manager.close();
        }
    }
}
