package org.siglip4j.core.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipLogits;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
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
    /** The SigLIP 2 NaFlex model and its image processor when the folder is {@code siglip2}, else null. */
    private final Siglip2Model naflex;
    private final Siglip2ImageProcessor naflexImages;
    private final SiglipProcessor processor;
    private final float logitScale;
    private final float logitBias;
    private final ExecutionPolicy policy;
    private final SiglipEngine engine;

    private SiglipPipeline(Builder b) {
        // a folder in another layout (open_clip, timm, big_vision) is read through its HF conversion
        this.modelDir = CheckpointFormats.asHuggingFace(b.modelDir);
        this.device = b.device;
        this.batchSize = b.batchSize;
        this.policy = b.policy;
        this.manager = NDManager.newBaseManager(device);
        PretrainedSiglip m = null;
        SiglipModel siglip = null;
        SiglipProcessor p = null;
        try {
            ImageTowerPipeline.requireTwoTowers(modelDir, b.modelDir, "zero-shot and similarity");
            if (Siglip2Config.isSiglip2(modelDir)) {
                if (policy.engine() != EngineType.PYTORCH) {
                    throw new SiglipException("SigLIP 2 NaFlex models run on the PyTorch engine only (" + modelDir
                            + "); use --engine pytorch");
                }
                Siglip2Model n = Siglip2Model.fromPretrained(modelDir, manager);
                m = n;
                Siglip2ImageProcessor images = Siglip2ImageProcessor.load(modelDir);
                this.naflexImages = b.maxNumPatches > 0 ? images.withMaxNumPatches(b.maxNumPatches) : images;
                this.naflex = n;
                this.logitScale = n.logitScale().getArray().getFloat();
                this.logitBias = n.logitBias().getArray().getFloat();
            } else {
                if (b.maxNumPatches > 0) {
                    throw new SiglipException("max_num_patches applies to SigLIP 2 NaFlex models (model_type"
                            + " siglip2); " + modelDir + " is a fixed-resolution SigLIP model");
                }
                SiglipModel s = SiglipModel.fromPretrained(modelDir, manager);
                m = s;
                siglip = s;
                this.naflex = null;
                this.naflexImages = null;
                this.logitScale = s.logitScale().getArray().getFloat();
                this.logitBias = s.logitBias().getArray().getFloat();
            }
            if (policy.compute() != null) {
                m.setCompute(policy.compute());
            }
            p = SiglipProcessor.load(modelDir);
            this.engine = siglip == null ? null : SiglipEngine.open(siglip, modelDir, policy);
            if (engine != null && engine.type() != EngineType.PYTORCH) {
                // ONNX Runtime runs its own copy of the weights (the exported graphs): the PyTorch
                // model is not needed after the export, so its weights go now, not at close()
                siglip.close();
                m = null;
                siglip = null;
            }
            this.model = siglip;
            this.processor = p;
        } catch (RuntimeException e) {
            if (p != null) {
                p.close();
            }
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

    /** The execution policy the pipeline was built with. */
    public ExecutionPolicy executionPolicy() {
        return policy;
    }

    /** The engine the towers run on (owned by this pipeline); null for a SigLIP 2 NaFlex folder. */
    public SiglipEngine engine() {
        return engine;
    }

    /**
     * The underlying model (owned by this pipeline); null for a SigLIP 2 NaFlex folder (see
     * {@link #siglip2Model()}) and on ONNX Runtime, where the PyTorch weights are freed once the
     * graphs are exported.
     */
    public SiglipModel model() {
        return model;
    }

    /** The SigLIP 2 NaFlex model (owned by this pipeline), or null for a fixed-resolution folder. */
    public Siglip2Model siglip2Model() {
        return naflex;
    }

    /** The NaFlex image processor (with the pipeline's {@code max_num_patches}), or null. */
    public Siglip2ImageProcessor siglip2ImageProcessor() {
        return naflexImages;
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
                NDArray e;
                if (naflex != null) {
                    NDList in = naflexImages.process(new LazyImages(batch)).toNDList(call);
                    e = naflex.getImageFeatures(in.get(0), in.get(1), in.get(2));
                    e = normalize ? PretrainedSiglip.l2normalize(e) : e;
                } else {
                    NDArray px = processor.processImages(new LazyImages(batch), call);
                    e = engine.imageFeatures(px, normalize);
                }
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
                NDArray e = naflex != null ? (normalize ? naflex.textEmbeds(ids) : naflex.getTextFeatures(ids))
                        : engine.textFeatures(ids, normalize);
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
        return SiglipLogits.perImage(imageEmbeds, textEmbeds, logitScale, logitBias);
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
            if (engine != null) {
                engine.close();
            }
            processor.close();
        } finally {
            if (naflex != null) {
                naflex.close();
            } else if (model != null) {
                model.close();
            }
            manager.close();
        }
    }

    /** Builds a {@link SiglipPipeline}. */
    public static final class Builder {
        private Path modelDir;
        private Device device;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private int maxNumPatches;
        private ExecutionPolicy policy = ExecutionPolicy.DEFAULT;

        private Builder() {}

        /**
         * SigLIP 2 NaFlex only: the most patches per image (HF's {@code max_num_patches}; default
         * the folder's {@code preprocessor_config.json}, 256 for the published checkpoints).
         */
        public Builder optMaxNumPatches(int n) {
            if (n < 1) {
                throw new SiglipException("max_num_patches must be at least 1, got " + n);
            }
            this.maxNumPatches = n;
            return this;
        }

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
         * How inference runs: engine (PyTorch or ONNX Runtime), quantisation, export cache,
         * threads, the PyTorch towers' budgets and kernels (default {@link ExecutionPolicy#DEFAULT},
         * the PyTorch engine with the model's default compute policy).
         */
        public Builder optExecutionPolicy(ExecutionPolicy p) {
            if (p == null) {
                throw new SiglipException("the execution policy is null");
            }
            this.policy = p;
            return this;
        }

        /** Shorthand for {@link #optExecutionPolicy} with that engine and the policy's other values. */
        public Builder optEngine(EngineType e) {
            return optExecutionPolicy(policy.withEngine(e));
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
