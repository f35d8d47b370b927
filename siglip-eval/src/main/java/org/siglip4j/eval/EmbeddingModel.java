package org.siglip4j.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * What an evaluator needs from a dual-encoder model: unit-length image and text embeddings in one
 * shared space. {@link SiglipEmbeddingModel} is the SigLIP-backed implementation.
 *
 * <p>Implementations must return one row per input, in input order, each row L2-normalised (the
 * evaluators check this and fail on a row whose norm is not 1 within 1e-3, because a missing
 * normalisation silently changes rankings). A model's sigmoid scale and bias ({@code
 * logit_scale}, {@code logit_bias}) are deliberately not part of this interface: both are a
 * positive-scale affine map of the cosine similarity, which leaves every ranking, and therefore
 * every metric computed here, unchanged.
 */
public interface EmbeddingModel {

    /**
     * Identifies the weights (for example a checkpoint name plus a revision or hash). Cached image
     * embeddings are keyed by it, so two different models must never share an id.
     *
     * @return a stable identifier of the model weights
     */
    String id();

    /**
     * Identifies how pixels are prepared (size, resize/crop mode, normalisation), for example
     * {@code "224/resize"} or {@link ImagePreprocessing#id(int)}. Part of the image-cache key.
     *
     * @return a stable identifier of the image preprocessing
     */
    String preprocessingId();

    /**
     * Embeds images.
     *
     * @param images image files, decoded by the implementation
     * @return {@code images.size()} unit-length rows of equal width
     */
    float[][] embedImages(List<Path> images);

    /**
     * Embeds texts.
     *
     * @param texts texts, tokenised by the implementation
     * @return {@code texts.size()} unit-length rows of the same width as the image rows
     */
    float[][] embedTexts(List<String> texts);
}
