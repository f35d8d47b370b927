package org.siglip4j.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.nn.Scalars;
import org.siglip4j.train.data.BatchLoader;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.optim.AdamW;
import org.siglip4j.train.optim.GradientClipping;
import org.siglip4j.train.optim.LearningRateSchedule;
import org.siglip4j.train.parallel.Replicas;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * Trains a {@link SiglipForImageClassification} with cross-entropy over its {@code num_labels}
 * classes: the {@code classifier} always, the vision tower unless {@link TrainerConfig#freeze()}
 * locks it (then only its last N blocks with {@code unlockLastImageBlocks}). The MAP head of the
 * tower stays frozen because the classifier never runs it.
 *
 * <p>Same machinery as {@link SiglipTrainer}: AdamW with the same decay rule, warm-up and cosine
 * schedule, global-norm clipping, {@code devices x accumulate} pieces with parameter replicas,
 * checkpoints, exact resume and the metrics log. Cross-entropy is a mean over examples, so each
 * piece contributes {@code sum of its losses / global batch} and the pieces' gradients add up to
 * the full-batch gradient exactly; no embedding exchange is needed.
 *
 * <p>The label of a record is its {@link PairSource#group(int)} (the class folder name for
 * {@link org.siglip4j.train.data.ImageFolderPairs}), matched to the model's {@code id2label}
 * ignoring case and treating underscores as spaces.
 */
public final class ClassificationTrainer implements AutoCloseable, TrainingLoop.Trainer {
    private final java.util.List<TrainingListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SiglipForImageClassification model;
    private final TrainerConfig config;
    private final Map<String, Parameter> trainable;
    private final Map<String, Integer> labelIds = new LinkedHashMap<>();
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final Replicas replicas;
    private final CheckpointStore checkpoints;
    private final int size;
    private int completed;

    /**
     * Prepares training.
     *
     * @param model the classifier to train (its weights change in place)
     * @param modelSource the folder the model came from, whose preprocessor file goes into every
     *     checkpoint (null for none)
     * @param config the run
     */
    public ClassificationTrainer(SiglipForImageClassification model, Path modelSource, TrainerConfig config) {
        if (config.gradientCheckpointing()) {
            throw new SiglipException("gradient checkpointing is implemented for SigLIP fine-tuning only, not for "
                    + "the classifier; drop --grad-checkpointing (or use --accumulate to save memory)");
        }
        this.model = model;
        this.config = config;
        this.size = model.config().visionConfig().imageSize();
        model.id2label().forEach((id, name) -> labelIds.put(normalizeLabel(name), id));
        this.trainable = applyFreeze(model, config.freeze());
        this.optimizer = new AdamW(trainable, new AdamW.Settings(0.9, 0.999, config.adamEpsilon(),
                config.weightDecay()), AdamW.defaultDecayRule(), model.manager());
        this.schedule = new LearningRateSchedule(config.learningRate(), config.warmupSteps(), config.steps(),
                config.minLearningRate());
        List<Device> devices = new ArrayList<>(Collections.nCopies(config.devices(), model.manager().getDevice()));
        this.replicas = new Replicas(new ArrayList<>(model.namedParameters().values()), devices, model.manager());
        this.checkpoints = new CheckpointStore(config.outputDir().resolve("checkpoints"), modelSource);
    }

    /**
     * Freezes as {@code freeze} says (vision lock only), keeping the MAP head frozen where the
     * classifier does not use it (HF's token-mean pooling; a timm MAP tower's classifier reads it).
     */
    static Map<String, Parameter> applyFreeze(SiglipForImageClassification model, TrainerConfig.Freeze freeze) {
        Map<String, Parameter> out = SiglipTrainer.applyFreeze(model.namedParameters(),
                model.config().visionConfig().numHiddenLayers(), 0, freeze);
        boolean headUsed = SiglipForImageClassification.usesMapPooling(model.config());
        out.entrySet().removeIf(e -> {
            boolean head = !headUsed && e.getKey().startsWith("vision_model.head.");
            if (head) {
                e.getValue().freeze(true);
            }
            return head;
        });
        return out;
    }

    private static String normalizeLabel(String s) {
        return s.replace('_', ' ').strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The class index of a label name.
     *
     * @throws SiglipException if the model has no such label
     */
    public int labelId(String label) {
        Integer id = label == null ? null : labelIds.get(normalizeLabel(label));
        if (id == null) {
            throw new SiglipException("class '" + label + "' is not a label of the model (its id2label has "
                    + model.id2label().values() + "); rename the class folder or give the model these classes");
        }
        return id;
    }

    /** The trainable parameters by HF name. */
    public Map<String, Parameter> trainableParameters() {
        return Collections.unmodifiableMap(trainable);
    }

    /** Steps completed so far (including those restored by a resume). */
    @Override
    public int completedSteps() {
        return completed;
    }

    /**
     * Runs one optimiser step on a loaded batch; {@code pairs} of the result counts images.
     *
     * @throws SiglipException if the loss is NaN or infinite (nothing is updated then)
     */
    @Override
    public SiglipTrainer.StepResult step(BatchLoader.Batch batch) {
        int n = batch.size();
        int pieces = config.devices() * config.accumulate();
        if (n < pieces) {
            throw new SiglipException("step " + (completed + 1) + ": only " + n + " images could be loaded ("
                    + batch.failures().size() + " bad records), fewer than devices x accumulate = " + pieces);
        }
        int classes = model.config().numLabels();
        float[] oneHot = new float[n * classes];
        for (int i = 0; i < n; i++) {
            oneHot[i * classes + labelId(batch.groups().get(i))] = 1;
        }
        double lossValue = 0;
        try (NDManager sm = model.manager().newSubManager()) {
            NDArray pixels = sm.create(SiglipTrainer.flatten(batch.pixels()), new Shape(n, 3, size, size));
            NDArray targets = sm.create(oneHot, new Shape(n, classes));
            int[] bounds = SiglipTrainer.bounds(n, pieces);
            for (int p = 0; p < pieces; p++) {
                int device = p / config.accumulate();
                try (NDManager pm = sm.newSubManager(replicas.device(device))) {
                    NDIndex rows = new NDIndex("{}:{}", bounds[p], bounds[p + 1]);
                    NDArray px = SiglipTrainer.move(pixels.get(rows), pm);
                    NDArray y = SiglipTrainer.move(targets.get(rows), pm);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        ParameterStore ps = replicas.store(device, pm);
                        NDArray logits = model.logits(ps, px, true);
                        // Sum over the piece divided by the global batch: pieces add up to the mean.
                        NDArray sum = logits.logSoftmax(1).mul(y).sum().neg();
                        NDArray loss = sum.div(Scalars.of(sum, n));
                        double v = loss.toType(DataType.FLOAT64, false).getDouble();
                        if (!Double.isFinite(v)) {
                            lossValue = v;
                            break;
                        }
                        lossValue += v;
                        gc.backward(loss);
                    }
                }
            }
        }
        replicas.gatherGradients();
        if (!Double.isFinite(lossValue)) {
            optimizer.zeroGradients();
            throw nonFinite("loss", lossValue);
        }
        double norm = GradientClipping.clipByGlobalNorm(trainable.values(), config.clipNorm());
        if (!Double.isFinite(norm)) {
            optimizer.zeroGradients();
            throw nonFinite("gradient norm", norm);
        }
        double lr = schedule.at(completed);
        optimizer.step(lr);
        optimizer.zeroGradients();
        replicas.refresh();
        completed++;
        return new SiglipTrainer.StepResult(completed, lossValue, lr, norm, n);
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
    public ClassificationTrainer addListener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public java.util.List<TrainingListener> listeners() {
        return listeners;
    }

    /**
     * Trains for {@link TrainerConfig#steps()} steps (fewer after a resume) like
     * {@link SiglipTrainer#fit}: metrics log, checkpoints, {@code OUT/model}, {@code OUT/loss.png}.
     *
     * @param data labelled images (label = group)
     * @param resume continue from the newest complete checkpoint, if any
     * @param eval optional evaluation (for example validation accuracy), logged as {@code eval_accuracy}
     * @param evalEvery steps between evaluations (0 = only at the end)
     */
    public SiglipTrainer.Result fit(PairSource data, boolean resume,
                                    ToDoubleFunction<SiglipForImageClassification> eval, int evalEvery) {
        for (int i = 0; i < data.size(); i++) {
            labelId(data.group(i)); // fail before training on a class the model does not have
        }
        return TrainingLoop.run(this, config, data, resume, eval == null ? null : () -> eval.applyAsDouble(model),
                evalEvery, "SigLIP classifier training");
    }

    /** The model being trained. */
    @Override
    public PretrainedSiglip model() {
        return model;
    }

    /** Where this trainer's checkpoints go. */
    @Override
    public CheckpointStore checkpoints() {
        return checkpoints;
    }

    /** Nothing beyond loss, learning rate and gradient norm. */
    @Override
    public void addMetrics(Map<String, Object> row) {
    }

    /** Saves a checkpoint of the current state now. */
    @Override
    public Path saveCheckpoint(double lastLoss) {
        return TrainingLoop.saveCheckpoint(checkpoints, completed, model, optimizer, config, "image-classification", lastLoss);
    }

    /** Restores weights, optimiser state and step count from a checkpoint folder. */
    @Override
    public void restore(Path checkpoint) {
        int step = TrainingLoop.restore(checkpoint, model, optimizer);
        // loadWeights replaced the arrays: re-apply freezing and re-create replicas from the new values.
        applyFreeze(model, config.freeze());
        replicas.refresh();
        completed = step;
    }

    @Override
    public void close() {
        replicas.close();
        optimizer.close();
    }
}
