package org.siglip4j.core.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.nio.file.Path;
import org.siglip4j.core.model.AutoSiglip;
import org.siglip4j.core.pipeline.ImageClassificationPipeline;
import org.siglip4j.core.pipeline.SiglipPipeline;

/**
 * The block of a DJL {@link ai.djl.Model} loaded from a SigLIP folder. It holds siglip4j's own
 * pipeline for the folder (a {@link SiglipPipeline} for a SigLIP model, an
 * {@link ImageClassificationPipeline} for a fine-tuned head), which the translators of
 * {@link SiglipTranslatorFactory} call: the whole model runs in the translator's
 * {@code processInput}, exactly as the pipelines run it (batching, memory scopes, Pillow-exact
 * preprocessing), and this block passes the result through. That way a {@code ZooModel} and the
 * pipelines cannot drift apart.
 */
public final class SiglipInferenceBlock extends AbstractBlock implements AutoCloseable {
    private final SiglipPipeline siglip;
    private final ImageClassificationPipeline classifier;

    private SiglipInferenceBlock(SiglipPipeline siglip, ImageClassificationPipeline classifier) {
        this.siglip = siglip;
        this.classifier = classifier;
    }

    /**
     * Loads a folder as the pipeline its {@code config.json} asks for.
     *
     * @param dir the model folder
     * @param device the device
     * @param batchSize images or texts per model call
     * @return the block
     */
    public static SiglipInferenceBlock load(Path dir, Device device, int batchSize) {
        if (AutoSiglip.isImageClassifier(dir)) {
            return new SiglipInferenceBlock(null, ImageClassificationPipeline.fromPretrained(dir.toString(), device,
                    batchSize));
        }
        return new SiglipInferenceBlock(SiglipPipeline.builder().setModelDir(dir).optDevice(device)
                .optBatchSize(batchSize).build(), null);
    }

    /** The SigLIP pipeline, or null for a fine-tuned classifier. */
    public SiglipPipeline siglip() {
        return siglip;
    }

    /** The fine-tuned classifier, or null for a SigLIP model. */
    public ImageClassificationPipeline classifier() {
        return classifier;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return inputs; // the translator already ran the pipeline
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public void initialize(ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        // nothing to initialise: the weights were loaded with the pipeline
    }

    @Override
    public void close() {
        if (siglip != null) {
            siglip.close();
        }
        if (classifier != null) {
            classifier.close();
        }
    }
}
