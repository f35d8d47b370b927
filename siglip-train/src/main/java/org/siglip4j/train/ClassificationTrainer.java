package org.siglip4j.train;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.train.data.LabelledImageCollator;
import org.siglip4j.train.data.PairSource;

import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * Trains a {@link SiglipForImageClassification} with cross-entropy over its {@code num_labels}
 * classes: the {@code classifier} always, the vision tower unless {@link TrainerConfig#freeze()}
 * locks it (then only its last N blocks with {@code unlockLastImageBlocks}). The MAP head of the
 * tower stays frozen because the classifier never runs it ({@link FreezePolicy#classifier}).
 *
 * <p>Same machinery as {@link SiglipTrainer} (the {@link Trainer} skeleton): AdamW with the same
 * decay rule, warm-up and cosine schedule, global-norm clipping, {@code devices x accumulate}
 * pieces with parameter replicas, checkpoints, exact resume and the metrics log. Cross-entropy is
 * a mean over examples, so each piece contributes {@code sum of its losses / global batch} and the
 * pieces' gradients add up to the full-batch gradient exactly; no embedding exchange is needed.
 *
 * <p>The label of a record is its {@link PairSource#group(int)} (the class folder name for
 * {@link org.siglip4j.train.data.ImageFolderPairs}), matched to the model's {@code id2label}
 * ignoring case and treating underscores as spaces ({@link LabelledImageCollator}).
 */
public final class ClassificationTrainer extends Trainer {
    private final SiglipForImageClassification model;
    private final LabelledImageCollator labels;
    private final ClassificationTask task;

    /**
     * Prepares training.
     *
     * @param model the classifier to train (its weights change in place)
     * @param modelSource the folder the model came from, whose preprocessor file goes into every
     *     checkpoint (null for none)
     * @param config the run
     */
    public ClassificationTrainer(SiglipForImageClassification model, Path modelSource, TrainerConfig config) {
        super(model, FreezePolicy.classifier(refuseCheckpointing(config), model), modelSource, config);
        this.model = model;
        this.labels = new LabelledImageCollator(model.id2label(), model.config().numLabels(),
                model.config().visionConfig().imageSize());
        this.task = new ClassificationTask(model, labels);
    }

    /** Checkpointing is the contrastive towers'; refused before anything is built. */
    private static TrainerConfig.Freeze refuseCheckpointing(TrainerConfig config) {
        if (config.gradientCheckpointing()) {
            throw new SiglipException("gradient checkpointing is implemented for SigLIP fine-tuning only, not for "
                    + "the classifier; drop --grad-checkpointing (or use --accumulate to save memory)");
        }
        return config.freeze();
    }

    @Override
    TrainingTask<?> task() {
        return task;
    }

    /**
     * The class index of a label name.
     *
     * @param label the name
     * @return its index
     * @throws SiglipException if the model has no such label
     */
    public int labelId(String label) {
        return labels.labelId(label);
    }

    /**
     * Adds a listener told about every step, checkpoint and the end of each {@code fit}.
     *
     * @param listener the listener
     * @return this trainer
     */
    @Override
    public ClassificationTrainer addListener(TrainingListener listener) {
        super.addListener(listener);
        return this;
    }

    /**
     * Trains for {@link TrainerConfig#steps()} steps (fewer after a resume) like
     * {@link SiglipTrainer#fit}: metrics log, checkpoints, {@code OUT/model}, {@code OUT/loss.png}.
     *
     * @param data labelled images (label = group)
     * @param resume continue from the newest complete checkpoint, if any
     * @param eval optional evaluation (for example validation accuracy), logged as {@code eval_accuracy}
     * @param evalEvery steps between evaluations (0 = only at the end)
     * @return what the run did
     */
    public Result fit(PairSource data, boolean resume, ToDoubleFunction<SiglipForImageClassification> eval,
                      int evalEvery) {
        labels.checkLabels(data); // fail before training on a class the model does not have
        return TrainingLoop.run(this, data, resume, eval == null ? null : () -> eval.applyAsDouble(model),
                evalEvery, "SigLIP classifier training");
    }
}
