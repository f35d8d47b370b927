package org.siglip4j.core.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipProcessor;

/**
 * A loaded SigLIP model folder (weights, tokenizer, image processor) ready for inference: image
 * and text embeddings, image-text logits and probabilities. Inputs are processed in batches of
 * {@link #batchSize()}; every call works in its own native-memory scope, which is released
 * before the call returns, and returns plain Java arrays.
 *
 * <p><b>Thread safety:</b> one pipeline may be used by many threads at once. The weights are
 * only read; each call runs with autograd disabled on its own thread and allocates its arrays in
 * a sub-manager of its own. {@link #close()} must not race with running calls.
 *
 * <pre>{@code
 * try (SiglipPipeline p = SiglipPipeline.load(Path.of("siglip-base-patch16-224"))) {
 *     float[][] images = p.embedImages(List.of(Path.of("cat.jpg")));
 *     float[][] texts = p.embedTexts(List.of("a photo of a cat"));
 *     float[][] logits = p.logits(images, texts);
 * }
 * }</pre>
 */
public final class SiglipPipeline implements AutoCloseable {
    /** Images or texts per model call unless set otherwise. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final Path modelDir;
    private final Device device;
    private final int batchSize;
    private final NDManager manager;
    private final SiglipModel model;
    private final SiglipProcessor processor;
    private final float logitScale;
    private final float logitBias;

    private SiglipPipeline(Builder b) {
        this.modelDir = b.modelDir;
        this.device = b.device;
        this.batchSize = b.batchSize;
        this.manager = NDManager.newBaseManager(device);
        SiglipModel m = null;
        try {
            m = SiglipModel.fromPretrained(modelDir, manager);
            this.processor = SiglipProcessor.load(modelDir);
            this.model = m;
            this.logitScale = m.logitScale().getArray().getFloat();
            this.logitBias = m.logitBias().getArray().getFloat();
        } catch (RuntimeException e) {
            if (m != null) {
                m.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Loads a model folder on the default device (the first GPU if the engine sees one, else the
     * CPU) with the default batch size.
     *
     * @param modelDir a Hugging Face SigLIP folder ({@code config.json}, {@code model.safetensors},
     *     {@code preprocessor_config.json}, {@code spiece.model} or {@code tokenizer.json})
     * @return the pipeline; close it to free the weights
     */
    public static SiglipPipeline load(Path modelDir) {
        return builder().setModelDir(modelDir).build();
    }

    /**
     * Loads a model folder or a Hugging Face hub id (downloaded into the hub cache on first use) on
     * the default device with the default batch size.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @return the pipeline; close it to free the weights
     */
    public static SiglipPipeline fromPretrained(String folderOrHubId) {
        return builder().setModelDir(SiglipPipelines.resolveModel(folderOrHubId)).build();
    }

    /** A builder: {@code setModelDir} is required, device and batch size are optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** The model folder. */
    public Path modelDir() {
        return modelDir;
    }

    /** The device the model runs on. */
    public Device device() {
        return device;
    }

    /** Inputs per model call. */
    public int batchSize() {
        return batchSize;
    }

    /** The underlying model (owned by this pipeline). */
    public SiglipModel model() {
        return model;
    }

    /** The tokenizer and image processor (owned by this pipeline). */
    public SiglipProcessor processor() {
        return processor;
    }

    /** The model's {@code logit_scale} (a log temperature: logits use its exponential). */
    public float logitScale() {
        return logitScale;
    }

    /** The model's {@code logit_bias}. */
    public float logitBias() {
        return logitBias;
    }

    /**
     * L2-normalised image embeddings.
     *
     * @param images {@link Path}, {@link java.io.File}, {@link RgbImage}, {@link
     *     java.awt.image.BufferedImage} or {@link ImageInput} items
     * @return {@code [n][d]}, one row per image in input order
     */
    public float[][] embedImages(List<?> images) {
        return embedImages(images, true, ProgressListener.NONE);
    }

    /**
     * Image embeddings.
     *
     * @param images see {@link #embedImages(List)}
     * @param normalize true for unit-length rows ({@code image_embeds}), false for the raw MAP
     *     head output ({@code pooler_output}, what HF's {@code get_image_features} returns)
     * @param progress told after each batch
     * @return {@code [n][d]}, one row per image in input order
     * @throws SiglipException naming an image that is missing, not an image or corrupt
     */
    public float[][] embedImages(List<?> images, boolean normalize, ProgressListener progress) {
        List<ImageInput> inputs = ImageInput.listOf(images);
        float[][] out = new float[inputs.size()][];
        for (int start = 0; start < inputs.size(); start += batchSize) {
            List<ImageInput> batch = inputs.subList(start, Math.min(inputs.size(), start + batchSize));
            try (NDManager call = manager.newSubManager()) {
                NDArray px = processor.processImages(new LazyImages(batch), call);
                NDArray e = normalize ? model.imageEmbeds(px) : model.getImageFeatures(px);
                copyRows(e, out, start);
            }
            progress.onProgress(start + batch.size(), inputs.size());
        }
        return out;
    }

    /**
     * L2-normalised text embeddings.
     *
     * @param texts texts (tokenised with the folder's tokenizer, padded to its max length)
     * @return {@code [n][d]}, one row per text in input order
     */
    public float[][] embedTexts(List<String> texts) {
        return embedTexts(texts, true);
    }

    /**
     * Text embeddings.
     *
     * @param texts texts
     * @param normalize true for unit-length rows ({@code text_embeds}), false for the raw head
     *     output ({@code pooler_output}, what HF's {@code get_text_features} returns)
     * @return {@code [n][d]}, one row per text in input order
     */
    public float[][] embedTexts(List<String> texts, boolean normalize) {
        if (texts == null) {
            throw new SiglipException("the text list is null");
        }
        for (int i = 0; i < texts.size(); i++) {
            if (texts.get(i) == null) {
                throw new SiglipException("text #" + i + " is null");
            }
        }
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<String> batch = texts.subList(start, Math.min(texts.size(), start + batchSize));
            try (NDManager call = manager.newSubManager()) {
                NDArray ids = processor.processTexts(batch, call);
                NDArray e = normalize ? model.textEmbeds(ids) : model.getTextFeatures(ids);
                copyRows(e, out, start);
            }
        }
        return out;
    }

    /**
     * SigLIP logits between normalised embeddings, as {@code SiglipModel.forward} computes
     * {@code logits_per_image}: {@code image . text * exp(logit_scale) + logit_bias}.
     *
     * @param imageEmbeds {@code [n_img][d]} normalised image embeddings
     * @param textEmbeds {@code [n_txt][d]} normalised text embeddings
     * @return {@code [n_img][n_txt]}
     */
    public float[][] logits(float[][] imageEmbeds, float[][] textEmbeds) {
        double scale = Math.exp(logitScale);
        float[][] out = new float[imageEmbeds.length][textEmbeds.length];
        for (int i = 0; i < imageEmbeds.length; i++) {
            float[] a = imageEmbeds[i];
            for (int j = 0; j < textEmbeds.length; j++) {
                float[] b = textEmbeds[j];
                if (a.length != b.length) {
                    throw new SiglipException("image embedding #" + i + " has " + a.length + " values but text "
                            + "embedding #" + j + " has " + b.length + "; both must come from the same model");
                }
                double dot = 0;
                for (int k = 0; k < a.length; k++) {
                    dot += (double) a[k] * b[k];
                }
                out[i][j] = (float) (dot * scale + logitBias);
            }
        }
        return out;
    }

    /**
     * Embeds images and texts and computes the logits between them.
     *
     * @param images see {@link #embedImages(List)}
     * @param texts texts
     * @return embeddings and {@code logits_per_image}; {@link SimilarityMatrix#probabilities()}
     *     gives the sigmoid probabilities
     */
    public SimilarityMatrix similarity(List<?> images, List<String> texts) {
        return similarity(images, texts, ProgressListener.NONE);
    }

    /** {@link #similarity(List, List)} with a progress listener for the images. */
    public SimilarityMatrix similarity(List<?> images, List<String> texts, ProgressListener progress) {
        float[][] t = embedTexts(texts, true);
        float[][] i = embedImages(images, true, progress);
        return new SimilarityMatrix(i, t, logits(i, t));
    }

    private static void copyRows(NDArray e, float[][] out, int start) {
        int n = (int) e.getShape().get(0);
        int d = (int) e.getShape().get(1);
        float[] flat = e.toFloatArray();
        for (int r = 0; r < n; r++) {
            float[] row = new float[d];
            System.arraycopy(flat, r * d, row, 0, d);
            out[start + r] = row;
        }
    }

    /** Frees the weights and the tokenizer. */
    @Override
    public void close() {
        try {
            processor.close();
        } finally {
            model.close();
            manager.close();
        }
    }

    /** Builds a {@link SiglipPipeline}. */
    public static final class Builder {
        private Path modelDir;
        private Device device;
        private int batchSize = DEFAULT_BATCH_SIZE;

        private Builder() {}

        /** The model folder (required); see {@link SiglipPipelines#resolveModel(String)}. */
        public Builder setModelDir(Path dir) {
            this.modelDir = dir;
            return this;
        }

        /** The device; default {@link SiglipPipelines#device(String) SiglipPipelines.device(null)}. */
        public Builder optDevice(Device d) {
            this.device = d;
            return this;
        }

        /** Images or texts per model call (default {@value SiglipPipeline#DEFAULT_BATCH_SIZE}). */
        public Builder optBatchSize(int n) {
            this.batchSize = n;
            return this;
        }

        /**
         * Loads the model.
         *
         * @return the pipeline
         * @throws SiglipException for a missing folder, a non-positive batch size, or a folder
         *     that does not load
         */
        public SiglipPipeline build() {
            if (modelDir == null) {
                throw new SiglipException("SiglipPipeline.builder(): setModelDir(...) is required");
            }
            if (batchSize < 1) {
                throw new SiglipException("batch size must be at least 1, got " + batchSize);
            }
            modelDir = SiglipPipelines.resolveModel(modelDir.toString());
            if (org.siglip4j.core.model.AutoSiglip.isImageClassifier(modelDir)) {
                throw new SiglipException("'" + modelDir + "' is a fine-tuned image classifier "
                        + "(SiglipForImageClassification): load it with ImageClassificationPipeline, or run "
                        + "'siglip classify' without --labels");
            }
            if (device == null) {
                device = SiglipPipelines.device(null);
            }
            return new SiglipPipeline(this);
        }
    }
}
