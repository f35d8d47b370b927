package org.siglip4j.train;

import org.siglip4j.train.data.Collator;

import java.util.Map;

/**
 * What one kind of training adds to the {@link Trainer} skeleton: how a batch becomes tensors and
 * how one step's forward and backward passes run over the pieces of the batch. Everything around
 * that (freezing, AdamW, the schedule, clipping, replicas, checkpoints, resume, metrics,
 * listeners) is the skeleton's and the same for every task.
 *
 * @param <B> the tensors of one batch
 */
interface TrainingTask<B> {

    /** What a record of the batch is called in messages ("pairs", "images"). */
    String unit();

    /** The collate step that makes the batch's tensors (tokenization included). */
    Collator<B> collator();

    /**
     * Runs the forward and backward passes of one step over {@link StepContext#pieces()} pieces,
     * leaving d loss / d parameter in the gradients of the master parameters and replicas.
     *
     * @param batch the collated batch
     * @param step the step's manager, pieces and replicas
     * @return the full-batch loss (a non-finite value stops the run without an update)
     */
    double forwardBackward(B batch, StepContext step);

    /** Adds task-specific values (for example the temperature) to a metrics row. */
    void addMetrics(Map<String, Object> row);

    /** The {@code task} recorded in each checkpoint's state file; null for SigLIP training. */
    String checkpointTask();

    /**
     * Whether gradient buffers are freed after each update ({@link org.siglip4j.train.optim.AdamW#releaseGradients})
     * rather than zeroed in place. Freeing keeps one copy of the weights out of the next forward
     * pass's peak; it needs every step to reach the update or stop before any backward pass,
     * which the contrastive step does (its loss is known before the backward passes).
     */
    boolean releasesGradients();
}
