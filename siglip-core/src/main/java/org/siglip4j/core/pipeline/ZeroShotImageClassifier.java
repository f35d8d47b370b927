package org.siglip4j.core.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.engine.ExecutionPolicy;

/**
 * Zero-shot image classification as Hugging Face's {@code ZeroShotImageClassificationPipeline}
 * does it for SigLIP: each candidate label is put into a hypothesis template ({@value
 * #DEFAULT_TEMPLATE} by default), the texts are embedded once per call, every image is scored
 * against every text with {@code sigmoid(logits_per_image)} (the model's {@code logit_scale} and
 * {@code logit_bias}), and each image's labels are returned sorted by score, highest first (ties
 * keep the order of the labels). Scores are independent per label: they do not sum to 1.
 *
 * <p><b>Thread safety:</b> concurrent calls on one instance are safe (see {@link
 * SiglipPipeline}).
 *
 * <pre>{@code
 * try (var classifier = ZeroShotImageClassifier.load(Path.of("siglip-base-patch16-224"))) {
 *     List<List<LabelScore>> r = classifier.classify(List.of(Path.of("cat.jpg")), List.of("cat", "dog"));
 * }
 * }</pre>
 */
public final class ZeroShotImageClassifier implements AutoCloseable {
    /** HF's default hypothesis template. */
    public static final String DEFAULT_TEMPLATE = "This is a photo of {}.";

    private final SiglipPipeline pipeline;
    private final boolean owned;

    /**
     * Classifies with an existing pipeline, which stays open when this classifier is closed.
     *
     * @param pipeline a loaded pipeline
     */
    public ZeroShotImageClassifier(SiglipPipeline pipeline) {
        this(pipeline, false);
    }

    private ZeroShotImageClassifier(SiglipPipeline pipeline, boolean owned) {
        if (pipeline == null) {
            throw new SiglipException("ZeroShotImageClassifier needs a pipeline, got null");
        }
        this.pipeline = pipeline;
        this.owned = owned;
    }

    /**
     * Loads a model folder or hub id on the default device; the classifier owns the pipeline.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @return the classifier; close it to free the model
     */
    public static ZeroShotImageClassifier fromPretrained(String folderOrHubId) {
        return owning(SiglipPipeline.fromPretrained(folderOrHubId));
    }

    /**
     * Loads a model folder with default device and batch size.
     *
     * @param modelDir a Hugging Face SigLIP folder
     * @return a classifier that owns its model; close it
     */
    public static ZeroShotImageClassifier load(Path modelDir) {
        return new ZeroShotImageClassifier(SiglipPipeline.load(modelDir), true);
    }

    /**
     * Loads a model folder to run under an execution policy (for instance ONNX Runtime:
     * {@code ExecutionPolicy.of(EngineType.ONNXRUNTIME)}).
     *
     * @param modelDir a Hugging Face SigLIP folder
     * @param policy engine, quantisation, export cache, threads
     * @return a classifier that owns its model; close it
     */
    public static ZeroShotImageClassifier load(Path modelDir, ExecutionPolicy policy) {
        return new ZeroShotImageClassifier(SiglipPipeline.builder().setModelDir(modelDir)
                .optExecutionPolicy(policy).build(), true);
    }

    /**
     * Wraps a pipeline and takes ownership of it (closed with this classifier).
     *
     * @param pipeline a loaded pipeline
     * @return the classifier
     */
    public static ZeroShotImageClassifier owning(SiglipPipeline pipeline) {
        return new ZeroShotImageClassifier(pipeline, true);
    }

    /** The pipeline used. */
    public SiglipPipeline pipeline() {
        return pipeline;
    }

    /**
     * Classifies images with the default template.
     *
     * @param images {@link Path}, {@link java.io.File}, {@link org.siglip4j.core.processing.RgbImage},
     *     {@link java.awt.image.BufferedImage} or {@link ImageInput} items
     * @param labels candidate labels: at least one, none blank, no duplicates
     * @return per image (input order), every label with its score, highest first
     */
    public List<List<LabelScore>> classify(List<?> images, List<String> labels) {
        return classify(images, labels, DEFAULT_TEMPLATE, ProgressListener.NONE);
    }

    /**
     * Classifies images.
     *
     * @param images see {@link #classify(List, List)}
     * @param labels candidate labels: at least one, none blank, no duplicates
     * @param template a text with exactly one {@code {}}, replaced by each label; null for
     *     {@value #DEFAULT_TEMPLATE}
     * @return per image (input order), every label with its score, highest first
     */
    public List<List<LabelScore>> classify(List<?> images, List<String> labels, String template) {
        return classify(images, labels, template, ProgressListener.NONE);
    }

    /**
     * Classifies images, reporting progress after each image batch.
     *
     * @param images see {@link #classify(List, List)}
     * @param labels candidate labels
     * @param template hypothesis template or null
     * @param progress told after each batch of images
     * @return per image (input order), every label with its score, highest first
     * @throws SiglipException for no images, no labels, a blank or duplicate label, a template
     *     without exactly one {@code {}}, or an image that cannot be loaded
     */
    public List<List<LabelScore>> classify(List<?> images, List<String> labels, String template,
            ProgressListener progress) {
        List<String> hypotheses = hypotheses(labels, template == null ? DEFAULT_TEMPLATE : template);
        List<ImageInput> inputs = ImageInput.listOf(images);
        if (inputs.isEmpty()) {
            throw new SiglipException("no images to classify");
        }
        float[][] texts = pipeline.embedTexts(hypotheses, true);
        float[][] embeds = pipeline.embedImages(inputs, true, progress);
        float[][] logits = pipeline.logits(embeds, texts);
        List<List<LabelScore>> out = new ArrayList<>(logits.length);
        for (float[] row : logits) {
            List<LabelScore> scores = new ArrayList<>(row.length);
            for (int j = 0; j < row.length; j++) {
                scores.add(new LabelScore(labels.get(j), SimilarityMatrix.sigmoid(row[j])));
            }
            // stable, like Python's sorted(key=-score): equal scores keep the label order
            scores.sort(Comparator.comparingDouble(LabelScore::score).reversed());
            out.add(List.copyOf(scores));
        }
        return List.copyOf(out);
    }

    /**
     * Classifies one image with the default template.
     *
     * @param image a {@link Path}, {@link java.io.File}, RgbImage, BufferedImage or ImageInput
     * @param labels candidate labels
     * @return every label with its score, highest first
     */
    public List<LabelScore> classifyImage(Object image, List<String> labels) {
        return classify(List.of(ImageInput.of(image)), labels).get(0);
    }

    /**
     * The texts a call embeds: the template filled with each label, after validating both.
     *
     * @param labels candidate labels
     * @param template a text with exactly one {@code {}}
     * @return one text per label
     */
    public static List<String> hypotheses(List<String> labels, String template) {
        if (labels == null || labels.isEmpty()) {
            throw new SiglipException("no candidate labels given: pass at least one label");
        }
        if (template == null) {
            throw new SiglipException("the hypothesis template is null");
        }
        int at = template.indexOf("{}");
        if (at < 0) {
            throw new SiglipException("hypothesis template '" + template + "' has no {} where the label goes "
                    + "(e.g. '" + DEFAULT_TEMPLATE + "')");
        }
        if (template.indexOf("{}", at + 2) >= 0) {
            throw new SiglipException("hypothesis template '" + template + "' has more than one {}; it needs "
                    + "exactly one, where the label goes");
        }
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>(labels.size());
        for (int i = 0; i < labels.size(); i++) {
            String label = labels.get(i);
            if (label == null || label.isBlank()) {
                throw new SiglipException("candidate label #" + (i + 1) + " is empty");
            }
            Integer first = seen.putIfAbsent(label, i);
            if (first != null) {
                throw new SiglipException("duplicate candidate label '" + label + "' (labels #" + (first + 1)
                        + " and #" + (i + 1) + "); each label must be given once");
            }
            out.add(template.substring(0, at) + label + template.substring(at + 2));
        }
        return out;
    }

    /** Closes the pipeline if this classifier owns it. */
    @Override
    public void close() {
        if (owned) {
            pipeline.close();
        }
    }
}
