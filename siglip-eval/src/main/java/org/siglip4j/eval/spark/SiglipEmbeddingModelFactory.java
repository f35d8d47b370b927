package org.siglip4j.eval.spark;

import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.eval.EmbeddingModel;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.SiglipEmbeddingModel;

/**
 * Loads a {@link SiglipEmbeddingModel} on each executor: the record (a folder path and a mode) is
 * what Spark ships, and its value equality lets {@link ExecutorModels} keep one model per JVM.
 *
 * @param modelDir the model folder, readable at this path on every executor
 * @param preprocessing how images are brought to the input size
 */
public record SiglipEmbeddingModelFactory(String modelDir, ImagePreprocessing preprocessing)
        implements EmbeddingModelFactory {

    private static final long serialVersionUID = 1L;

    /**
     * Checks the fields.
     *
     * @param modelDir the model folder
     * @param preprocessing the image mode
     */
    public SiglipEmbeddingModelFactory {
        if (modelDir == null || modelDir.isBlank()) {
            throw new SiglipException("SiglipEmbeddingModelFactory needs a model folder");
        }
        if (preprocessing == null) {
            throw new SiglipException("SiglipEmbeddingModelFactory needs an image preprocessing"
                    + " mode (RESIZE or RESIZE_CENTER_CROP)");
        }
    }

    @Override
    public EmbeddingModel create() {
        return SiglipEmbeddingModel.load(Path.of(modelDir), preprocessing);
    }
}
