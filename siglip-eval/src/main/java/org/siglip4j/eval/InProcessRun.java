package org.siglip4j.eval;

import java.nio.file.Path;
import org.siglip4j.core.SiglipException;

/**
 * What {@link InProcessEvaluation}'s setters collect, and what an evaluator built from them embeds
 * with: the model, its image-embedding cache folder and whether a progress bar is drawn.
 */
final class InProcessRun {
    EmbeddingModel model;
    Path cacheDir;
    boolean showProgress = true;

    /**
     * A copy for the evaluator being built (later setter calls on the builder do not reach it),
     * checked.
     *
     * @param owner the evaluator's class name, for the message
     * @return the copy
     */
    InProcessRun copyFor(String owner) {
        if (model == null) {
            throw new SiglipException(owner + " needs a model: call setModel(...)");
        }
        InProcessRun c = new InProcessRun();
        c.model = model;
        c.cacheDir = cacheDir;
        c.showProgress = showProgress;
        return c;
    }

    /**
     * A batch embedder of the model with these settings.
     *
     * @param batchSize images or texts per model call
     * @return the embedder
     */
    BatchEmbedder embedder(int batchSize) {
        return BatchEmbedder.withCache(model, cacheDir, batchSize, showProgress);
    }
}
