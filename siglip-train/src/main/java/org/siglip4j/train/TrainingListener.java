package org.siglip4j.train;

import java.nio.file.Path;

/**
 * Told what a training run does, on the training thread, so that an application can show
 * progress, log metrics or stop early without a console progress bar (turn that off with
 * {@link TrainerConfig.Builder#optShowProgress(boolean) optShowProgress(false)}).
 *
 * <pre>{@code
 * trainer.addListener(new TrainingListener() {
 *     public void onStep(TrainingProgress p) {
 *         log.info("step {}/{} loss {}", p.step(), p.totalSteps(), p.loss());
 *     }
 * });
 * }</pre>
 *
 * <p>A listener that throws stops the run like any other training error: checkpoints already
 * written stay, and {@code fit(..., resume=true, ...)} continues from the newest.
 */
public interface TrainingListener {

    /**
     * After every optimiser step, once its metrics row is logged.
     *
     * @param progress the step's metrics
     */
    default void onStep(TrainingProgress progress) {}

    /**
     * After a checkpoint is written.
     *
     * @param step the completed steps it holds
     * @param checkpoint its folder
     */
    default void onCheckpoint(int step, Path checkpoint) {}

    /**
     * After the last step and its checkpoint, before the final model folder is written: the run's
     * activations are freed by then. {@link ReleaseFreeMemory} gives the memory the allocator keeps
     * back to the system here.
     *
     * @param completedSteps the steps the run completed
     */
    default void onStepsDone(int completedSteps) {}

    /**
     * After the run's final model folder and plot are written.
     *
     * @param result the run's result
     */
    default void onFinish(Trainer.Result result) {}
}
