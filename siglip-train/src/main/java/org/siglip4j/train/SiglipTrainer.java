package org.siglip4j.train;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.CheckpointedFeatures;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.loss.ShardedSigmoidLoss;
import org.siglip4j.train.data.ImageTextCollator;
import org.siglip4j.train.data.PairSource;

import java.nio.file.Path;
import java.util.function.ToDoubleFunction;

/**
 * Fine-tunes a {@link SiglipModel} (or a SigLIP 2 NaFlex {@link Siglip2Model}) with the sigmoid loss
 * over the whole global batch.
 *
 * <p>One optimiser step: the batch is cut into {@code devices x accumulate} contiguous pieces;
 * each device runs its towers on its pieces with its own parameter replica; the sharded sigmoid
 * loss ({@link ShardedSigmoidLoss}) scores every image against every text of the global batch and
 * returns d loss / d embeddings per piece; each piece then back-propagates {@code sum(emb * grad)}
 * through its towers; replica gradients are summed into the master parameters; gradients are
 * clipped by global norm; AdamW updates once; replicas are refreshed. With {@code accumulate > 1}
 * the embeddings of all micro-batches are computed first without a graph and each micro-batch is
 * run again with one (gradient caching), so the loss is exactly the single-batch loss. With
 * {@link TrainerConfig#gradientCheckpointing()} each training tower keeps only its encoder layers'
 * inputs and recomputes the layers after the surrogate's backward pass
 * ({@link CheckpointedFeatures}).
 *
 * <p>The step is the {@link Trainer} skeleton's; this class builds its contrastive task: the
 * {@link ImageTextCollator} that tokenizes each batch and the {@link TowerForward} of the model.
 */
public final class SiglipTrainer extends Trainer {
    /** The model as a SigLIP (fixed resolution) model, or null when it is SigLIP 2 NaFlex. */
    private final SiglipModel siglip;
    private final ContrastiveTask task;

    /**
     * Prepares training: freezes what the config says, creates the optimiser state and the
     * per-device replicas.
     *
     * @param model the model to train (its weights change in place)
     * @param tokenizer the model's tokenizer
     * @param modelSource the folder the model came from, whose tokenizer and preprocessor files
     *     go into every checkpoint (null for none)
     * @param config the run
     */
    public SiglipTrainer(SiglipModel model, SiglipTokenizer tokenizer, Path modelSource, TrainerConfig config) {
        super(model, FreezePolicy.contrastive(config.freeze(), model), modelSource, config);
        this.siglip = model;
        int size = model.config().visionConfig().imageSize();
        boolean imageTrains = trains("vision_model.");
        boolean textTrains = trains("text_model.");
        TowerForward forward = config.gradientCheckpointing()
                ? new TowerForward.Checkpointed(model, imageTrains, textTrains) : new TowerForward.Eager(model);
        this.task = new ContrastiveTask(forward, ImageTextCollator.fixedSize(tokenizer, size, size),
                model.logitScale(), model.logitBias(), config.maxLogitScale(), imageTrains || textTrains);
    }

    /**
     * Prepares training of a SigLIP 2 NaFlex model. Its {@link PairSource} gives each image as a
     * packed patch sequence ({@link Siglip2ImageProcessor#pack}); a batch mixes aspect ratios and
     * is padded to {@code max_num_patches} with the padding masked out, as in HF.
     *
     * @param model the model to train (its weights change in place)
     * @param images the processor that packed the images (its {@code max_num_patches} pads batches)
     * @param tokenizer the model's tokenizer
     * @param modelSource the folder the model came from (null for none)
     * @param config the run
     */
    public SiglipTrainer(Siglip2Model model, Siglip2ImageProcessor images, SiglipTokenizer tokenizer,
            Path modelSource, TrainerConfig config) {
        super(model, FreezePolicy.contrastive(refuseCheckpointing(config), model), modelSource, config);
        this.siglip = null;
        this.task = new ContrastiveTask(new TowerForward.NaFlex(model), ImageTextCollator.naflex(tokenizer, images),
                model.logitScale(), model.logitBias(), config.maxLogitScale(),
                trains("vision_model.") || trains("text_model."));
    }

    /** NaFlex has no checkpointed forward yet; refused before anything is built. */
    private static TrainerConfig.Freeze refuseCheckpointing(TrainerConfig config) {
        if (config.gradientCheckpointing()) {
            throw new SiglipException("gradient checkpointing is not available for SigLIP 2 NaFlex models yet;"
                    + " train without --grad-checkpointing");
        }
        return config.freeze();
    }

    /** Whether any parameter of the tower with this HF prefix trains. */
    private boolean trains(String tower) {
        return trainableParameters().keySet().stream().anyMatch(k -> k.startsWith(tower));
    }

    @Override
    TrainingTask<?> task() {
        return task;
    }

    /**
     * Adds a listener told about every step, checkpoint and the end of each {@code fit}.
     *
     * @param listener the listener
     * @return this trainer
     */
    @Override
    public SiglipTrainer addListener(TrainingListener listener) {
        super.addListener(listener);
        return this;
    }

    /**
     * Trains for {@link TrainerConfig#steps()} steps (fewer after a resume), logging every step to
     * {@code OUT/metrics.jsonl}, checkpointing, and drawing {@code OUT/loss.png} at the end.
     *
     * @param data the training pairs
     * @param resume continue from the newest complete checkpoint in {@code OUT/checkpoints}, if any
     * @param eval optional evaluation of the model (e.g. zero-shot accuracy) run every
     *     {@code evalEvery} steps and at the end; logged as {@code eval_accuracy}
     * @param evalEvery steps between evaluations (0 = only at the end)
     * @return what the run did
     */
    public Result fit(PairSource data, boolean resume, ToDoubleFunction<SiglipModel> eval, int evalEvery) {
        if (eval != null && siglip == null) {
            throw new SiglipException("evaluation during training takes a SigLIP model; this trainer trains SigLIP 2"
                    + " NaFlex (pass no evaluation)");
        }
        return TrainingLoop.run(this, data, resume, eval == null ? null : () -> eval.applyAsDouble(siglip),
                evalEvery, "SigLIP training");
    }
}
