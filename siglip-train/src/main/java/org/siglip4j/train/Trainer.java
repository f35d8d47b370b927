package org.siglip4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.optim.AdamW;
import org.siglip4j.train.optim.GradientClipping;
import org.siglip4j.train.optim.LearningRateSchedule;
import org.siglip4j.train.parallel.Replicas;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The skeleton every trainer shares; a {@link TrainingTask} fills in the forward and backward
 * passes. Construction freezes what the {@link FreezePolicy} says and creates the AdamW state, the
 * learning-rate schedule, the per-device replicas and the checkpoint store. One step: collate the
 * batch ({@link org.siglip4j.train.data.Collator}; in {@code fit} the loader has tokenized it
 * already, on its own thread), let the task run its pieces, sum replica
 * gradients into the master parameters, clip by global norm, update once, refresh the replicas.
 * The run loop around steps (resume, metrics, evaluation, checkpoints) is {@link #fit}'s, shared
 * through {@code TrainingLoop}.
 *
 * <p>Why not DJL's {@code EasyTrain}: it computes the loss per device split (losing the
 * cross-device negatives), sums per-split gradients of a mean loss (k times too large), clips by
 * value, and decays every parameter alike.
 */
public abstract sealed class Trainer implements AutoCloseable permits SiglipTrainer, ClassificationTrainer {

    /**
     * What one step did.
     *
     * @param step the 1-based number of the step just completed
     * @param loss the full-batch loss before the update
     * @param learningRate the rate used
     * @param gradNorm global gradient norm before clipping
     * @param pairs records (pairs or images) in the batch
     */
    public record StepResult(int step, double loss, double learningRate, double gradNorm, int pairs) {}

    /**
     * What a run did.
     *
     * @param steps steps completed in total (including those before a resume)
     * @param finalLoss the loss of the last step
     * @param pairsPerSecond throughput of this run
     * @param seconds wall time of this run
     * @param skippedRecords records that could not be loaded, one line each
     * @param finalModel the folder of the final model (HF layout)
     */
    public record Result(int steps, double finalLoss, double pairsPerSecond, double seconds,
                         List<String> skippedRecords, Path finalModel) {}

    private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
    private final PretrainedSiglip model;
    private final TrainerConfig config;
    private final FreezePolicy freeze;
    private final Map<String, Parameter> trainable;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final Replicas replicas;
    private final CheckpointStore checkpoints;
    private int completed;

    Trainer(PretrainedSiglip model, FreezePolicy freeze, Path modelSource, TrainerConfig config) {
        this.model = model;
        this.config = config;
        this.freeze = freeze;
        this.trainable = freeze.apply(model.namedParameters());
        this.optimizer = new AdamW(trainable, new AdamW.Settings(0.9, 0.999, config.adamEpsilon(),
                config.weightDecay()), AdamW.defaultDecayRule(), model.manager());
        this.schedule = new LearningRateSchedule(config.learningRate(), config.warmupSteps(), config.steps(),
                config.minLearningRate());
        List<Device> devices = new ArrayList<>(Collections.nCopies(config.devices(), model.manager().getDevice()));
        this.replicas = new Replicas(new ArrayList<>(model.namedParameters().values()), devices, model.manager());
        this.checkpoints = new CheckpointStore(config.outputDir().resolve("checkpoints"), modelSource);
    }

    /** The task whose forward and backward passes this trainer runs. */
    abstract TrainingTask<?> task();

    /** The trainable parameters by HF name. */
    public Map<String, Parameter> trainableParameters() {
        return Collections.unmodifiableMap(trainable);
    }

    /** Steps completed so far (including those restored by a resume). */
    public int completedSteps() {
        return completed;
    }

    /**
     * Runs one optimiser step on a loaded batch.
     *
     * @param batch the batch
     * @return what the step did
     * @throws SiglipException if the loss or the gradient norm is NaN or infinite (nothing is
     *     updated then), or if fewer records loaded than the step has pieces
     */
    public StepResult step(BatchLoader.Batch batch) {
        return step(task(), batch);
    }

    private <B> StepResult step(TrainingTask<B> task, BatchLoader.Batch batch) {
        int n = batch.size();
        int pieces = config.devices() * config.accumulate();
        if (n < pieces) {
            throw new SiglipException("step " + (completed + 1) + ": only " + n + " " + task.unit()
                    + " could be loaded (" + batch.failures().size()
                    + " bad records), fewer than devices x accumulate = " + pieces);
        }
        StepResult result;
        try (NDManager sm = model.manager().newSubManager()) {
            B tensors = task.collator().collate(batch, sm);
            double loss = task.forwardBackward(tensors,
                    new StepContext(sm, replicas, config.devices(), config.accumulate(), n, this::nonFinite));
            replicas.gatherGradients();
            if (!Double.isFinite(loss)) {
                optimizer.zeroGradients();
                throw nonFinite("loss", loss);
            }
            double norm = GradientClipping.clipByGlobalNorm(trainable.values(), config.clipNorm());
            if (!Double.isFinite(norm)) {
                List<String> bad = nonFiniteGradients();
                optimizer.zeroGradients();
                throw nonFinite("gradient norm (non-finite in " + bad.size() + " tensors: "
                        + String.join(", ", bad.subList(0, Math.min(6, bad.size()))) + ")", norm);
            }
            double lr = schedule.at(completed);
            optimizer.step(lr);
            if (!task.releasesGradients()) {
                optimizer.zeroGradients();
            }
            replicas.refresh();
            completed++;
            result = new StepResult(completed, loss, lr, norm, n);
        }
        if (task.releasesGradients()) {
            // After the step's manager is closed: it may have borrowed parameters (the contrastive
            // task lends t' and b to it), and new handles are made in an array's current manager.
            optimizer.releaseGradients();
        }
        return result;
    }

    private List<String> nonFiniteGradients() {
        List<String> bad = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
            try (NDArray g = e.getValue().getArray().getGradient(); NDArray s = g.sum()) {
                if (!Double.isFinite(s.toType(DataType.FLOAT64, false).getDouble())) {
                    bad.add(e.getKey());
                }
            }
        }
        return bad;
    }

    private SiglipException nonFinite(String what, double value) {
        Optional<Path> last = checkpoints.latest();
        return new SiglipException("the " + what + " is " + value + " at step " + (completed + 1)
                + "; stopping without updating. Last good checkpoint: "
                + last.map(Path::toString).orElse("none (no checkpoint was written yet)")
                + ". Lower the learning rate or check the data.");
    }

    /**
     * Adds a listener told about every step, checkpoint and the end of each {@code fit}.
     *
     * @param listener the listener
     * @return this trainer
     */
    public Trainer addListener(TrainingListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** The listeners told about steps, checkpoints and the end of the run. */
    public List<TrainingListener> listeners() {
        return listeners;
    }

    /** The model being trained. */
    public PretrainedSiglip model() {
        return model;
    }

    /** Where this trainer's checkpoints go. */
    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** The run's settings. */
    TrainerConfig config() {
        return config;
    }

    /** Adds the task's values (for example t' and b) to a metrics row. */
    public void addMetrics(Map<String, Object> row) {
        task().addMetrics(row);
    }

    /**
     * Saves a checkpoint of the current state now: weights, AdamW moments, step counts and the
     * run's settings.
     *
     * @param lastLoss the loss of the last step (NaN for none)
     * @return the checkpoint folder
     */
    public Path saveCheckpoint(double lastLoss) {
        JsonObject run = new JsonObject();
        String taskName = task().checkpointTask();
        if (taskName != null) {
            run.addProperty("task", taskName);
        }
        run.addProperty("seed", config.seed());
        run.addProperty("batch_size", config.batchSize());
        run.addProperty("steps", config.steps());
        run.addProperty("learning_rate", config.learningRate());
        if (Double.isFinite(lastLoss)) {
            run.addProperty("loss", lastLoss);
        }
        return checkpoints.save(completed, model, optimizer.stateTensors(),
                new CheckpointStore.State(completed, optimizer.stepCount(), run), config.keepCheckpoints());
    }

    /**
     * Restores model weights, optimiser state and step count from a checkpoint folder.
     *
     * @param checkpoint the folder
     */
    public void restore(Path checkpoint) {
        CheckpointStore.State state = CheckpointStore.readState(checkpoint);
        model.loadWeights(checkpoint, true);
        try (NDManager tmp = model.manager().newSubManager()) {
            optimizer.loadState(CheckpointStore.readOptimizer(checkpoint, tmp), state.optimizerSteps());
        }
        // loadWeights replaced the arrays: re-apply freezing and re-create replicas from the new values.
        freeze.apply(model.namedParameters());
        replicas.refresh();
        completed = state.step();
    }

    @Override
    public void close() {
        replicas.close();
        optimizer.close();
    }
}
