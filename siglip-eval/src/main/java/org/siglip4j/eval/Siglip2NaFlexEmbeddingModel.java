package org.siglip4j.eval;

import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.pipeline.SiglipPipeline;

/**
 * The {@link EmbeddingModel} of a SigLIP 2 NaFlex folder ({@code model_type siglip2}): images keep
 * their aspect ratio, resized to at most {@code max_num_patches} patches by HF's
 * {@code Siglip2ImageProcessor} (there is no square crop to choose), texts as the folder's
 * tokenizer pads them. Backed by a {@link SiglipPipeline} on the CPU.
 */
public final class Siglip2NaFlexEmbeddingModel implements EmbeddingModel, AutoCloseable {
    private final SiglipPipeline pipeline;
    private final String id;

    private Siglip2NaFlexEmbeddingModel(SiglipPipeline pipeline, String id) {
        this.pipeline = pipeline;
        this.id = id;
    }

    /**
     * Loads a NaFlex folder.
     *
     * @param modelDir the folder
     * @param maxNumPatches the most patches per image, or null for the folder's setting
     * @return the model; close it to free the weights
     */
    public static Siglip2NaFlexEmbeddingModel load(Path modelDir, Integer maxNumPatches) {
        if (!Siglip2Config.isSiglip2(modelDir)) {
            throw new SiglipException(modelDir + " is not a SigLIP 2 NaFlex folder (config.json model_type siglip2)");
        }
        SiglipPipeline.Builder b = SiglipPipeline.builder().setModelDir(modelDir)
                .optDevice(ai.djl.Device.cpu());
        if (maxNumPatches != null) {
            b.optMaxNumPatches(maxNumPatches);
        }
        return new Siglip2NaFlexEmbeddingModel(b.build(), SiglipEmbeddingModel.modelId(modelDir));
    }

    @Override
    public String id() {
        return id;
    }

    /** {@code naflex/<max_num_patches>}: the cache key of the preprocessing. */
    @Override
    public String preprocessingId() {
        return "naflex/" + pipeline.siglip2ImageProcessor().maxNumPatches();
    }

    @Override
    public float[][] embedImages(List<Path> images) {
        return pipeline.embedImages(images);
    }

    @Override
    public float[][] embedTexts(List<String> texts) {
        return pipeline.embedTexts(texts);
    }

    @Override
    public void close() {
        pipeline.close();
    }
}
