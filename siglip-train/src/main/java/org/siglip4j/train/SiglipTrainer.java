package org.siglip4j.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.CheckpointedFeatures;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.loss.ShardedLossResult;
import org.siglip4j.loss.ShardedSigmoidLoss;
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
import java.util.Map;
import java.util.Optional;
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
 * <p>Why not DJL's {@code EasyTrain}: it computes the loss per device split (losing the
 * cross-device negatives), sums per-split gradients of a mean loss (k times too large), clips by
 * value, and decays every parameter alike.
 */
public final class SiglipTrainer implements AutoCloseable, TrainingLoop.Trainer {
    private final java.util.List<TrainingListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * What one step did.
     *
     * @param step the 1-based number of the step just completed
     * @param loss the full-batch sigmoid loss before the update
     * @param learningRate the rate used
     * @param gradNorm global gradient norm before clipping
     * @param pairs pairs in the batch
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

    private final PretrainedSiglip model;
    /** The model as a SigLIP (fixed resolution) model, or null when it is SigLIP 2 NaFlex. */
    private final SiglipModel siglip;
    /** The model as SigLIP 2 NaFlex and its image processor, or null. */
    private final Siglip2Model naflex;
    private final Siglip2ImageProcessor naflexImages;
    private final Parameter logitScale;
    private final Parameter logitBias;
    private final SiglipTokenizer tokenizer;
    private final TrainerConfig config;
    private final Map<String, Parameter> trainable;
    private final AdamW optimizer;
    private final LearningRateSchedule schedule;
    private final ShardedSigmoidLoss loss;
    private final Replicas replicas;
    private final CheckpointStore checkpoints;
    private final int height;
    private final int width;
    private final boolean towersTrain;
    private final boolean imageTrains;
    private final boolean textTrains;
    private int completed;

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
        this(model, model, null, null, model.logitScale(), model.logitBias(), tokenizer, modelSource, config);
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
        this(model, null, model, images, model.logitScale(), model.logitBias(), tokenizer, modelSource, config);
    }

    private SiglipTrainer(PretrainedSiglip model, SiglipModel siglip, Siglip2Model naflex,
            Siglip2ImageProcessor naflexImages, Parameter logitScale, Parameter logitBias, SiglipTokenizer tokenizer,
            Path modelSource, TrainerConfig config) {
        if (naflex != null && config.gradientCheckpointing()) {
            throw new SiglipException("gradient checkpointing is not available for SigLIP 2 NaFlex models yet;"
                    + " train without --grad-checkpointing");
        }
        this.model = model;
        this.siglip = siglip;
        this.naflex = naflex;
        this.naflexImages = naflexImages;
        this.logitScale = logitScale;
        this.logitBias = logitBias;
        this.tokenizer = tokenizer;
        this.config = config;
        this.height = model.config().visionConfig().imageSize();
        this.width = height;
        this.trainable = applyFreeze(model, config.freeze());
        this.imageTrains = trainable.keySet().stream().anyMatch(k -> k.startsWith("vision_model."));
        this.textTrains = trainable.keySet().stream().anyMatch(k -> k.startsWith("text_model."));
        this.towersTrain = imageTrains || textTrains;
        this.optimizer = new AdamW(trainable,
                new AdamW.Settings(0.9, 0.999, config.adamEpsilon(), config.weightDecay()), AdamW.defaultDecayRule(), model.manager());
        this.schedule = new LearningRateSchedule(config.learningRate(), config.warmupSteps(), config.steps(),
                config.minLearningRate());
        this.loss = ShardedSigmoidLoss.builder().optMaxLogitScale(config.maxLogitScale()).build();
        List<Device> devices = new ArrayList<>(Collections.nCopies(config.devices(), model.manager().getDevice()));
        this.replicas = new Replicas(new ArrayList<>(model.namedParameters().values()), devices, model.manager());
        this.checkpoints = new CheckpointStore(config.outputDir().resolve("checkpoints"), modelSource);
    }

    /**
     * Freezes parameters as {@code freeze} says and returns the trainable ones by HF name. The
     * temperature t' and bias b always train.
     */
    static Map<String, Parameter> applyFreeze(PretrainedSiglip model, TrainerConfig.Freeze freeze) {
        return applyFreeze(model.namedParameters(), model.config().visionConfig().numHiddenLayers(),
                model.config().textConfig().numHiddenLayers(), freeze);
    }

    /** {@link #applyFreeze(PretrainedSiglip, TrainerConfig.Freeze)} over any named parameters with HF tower prefixes. */
    static Map<String, Parameter> applyFreeze(Map<String, Parameter> params, int visionLayers, int textLayers,
                                              TrainerConfig.Freeze freeze) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            boolean frozen = false;
            if (name.startsWith("vision_model.") && freeze.lockImage()) {
                frozen = !unlocked(name, "vision_model.", visionLayers, freeze.unlockLastImageBlocks());
            } else if (name.startsWith("text_model.") && freeze.lockText()) {
                frozen = !unlocked(name, "text_model.", textLayers, freeze.unlockLastTextBlocks());
            }
            e.getValue().freeze(frozen);
            if (!frozen) {
                out.put(name, e.getValue());
            }
        }
        return out;
    }

    /** Whether a parameter of a locked tower is re-opened by "unlock the last n blocks". */
    private static boolean unlocked(String name, String tower, int layers, int n) {
        if (n <= 0) {
            return false;
        }
        String rest = name.substring(tower.length());
        if (rest.startsWith("encoder.layers.")) {
            int layer = Integer.parseInt(rest.substring("encoder.layers.".length()).split("\\.")[0]);
            return layer >= layers - n;
        }
        // What follows the blocks: the final norms and the heads.
        return rest.startsWith("post_layernorm") || rest.startsWith("final_layer_norm") || rest.startsWith("head");
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
     * Runs one optimiser step on a loaded batch.
     *
     * @throws SiglipException if the loss is NaN or infinite (nothing is updated then)
     */
    @Override
    public StepResult step(BatchLoader.Batch batch) {
        int n = batch.size();
        int pieces = config.devices() * config.accumulate();
        if (n < pieces) {
            throw new SiglipException("step " + (completed + 1) + ": only " + n + " pairs could be loaded ("
                    + batch.failures().size() + " bad records), fewer than devices x accumulate = " + pieces);
        }
        StepResult result;
        try (NDManager sm = model.manager().newSubManager()) {
            NDList pixels = imageInputs(batch.pixels(), sm);
            NDArray ids = tokenizer.encode(batch.texts(), sm);
            NDArray labels = labelMatrix(batch.groups(), sm);
            int[] bounds = bounds(n, pieces);
            List<NDManager> pieceManagers = new ArrayList<>();
            List<NDList> px = new ArrayList<>();
            List<NDArray> tok = new ArrayList<>();
            for (int p = 0; p < pieces; p++) {
                NDManager pm = sm.newSubManager(replicas.device(deviceOf(p)));
                pieceManagers.add(pm);
                NDIndex rows = new NDIndex("{}:{}", bounds[p], bounds[p + 1]);
                NDList piece = new NDList();
                for (NDArray a : pixels) {
                    piece.add(move(a.get(rows), pm));
                }
                px.add(piece);
                tok.add(move(ids.get(rows), pm));
            }
            NDArray t = logitScale.getArray();
            NDArray b = logitBias.getArray();
            // Ops on t and b would put their results into the model's manager for good; lend the
            // two parameters to this step's manager instead (they go back when it closes).
            t.tempAttach(sm);
            b.tempAttach(sm);
            ShardedLossResult r;
            if (config.accumulate() == 1) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    List<Towers> towers = new ArrayList<>();
                    for (int p = 0; p < pieces; p++) {
                        towers.add(towers(replicas.store(deviceOf(p), pieceManagers.get(p)), px.get(p), tok.get(p)));
                    }
                    r = computeLoss(towers.stream().map(Towers::image).toList(),
                            towers.stream().map(Towers::text).toList(), t, b, labels);
                    for (int p = 0; p < pieces; p++) {
                        backward(gc, p, r, towers.get(p));
                    }
                    gc.backward(r.scaleBiasSurrogate(t, b));
                }
            } else {
                List<NDArray> img = new ArrayList<>();
                List<NDArray> txt = new ArrayList<>();
                try (GradMode off = GradMode.disabled()) {
                    for (int p = 0; p < pieces; p++) {
                        Towers tw = towers(replicas.store(deviceOf(p), pieceManagers.get(p)), px.get(p), tok.get(p));
                        img.add(tw.image());
                        txt.add(tw.text());
                    }
                }
                r = computeLoss(img, txt, t, b, labels);
                for (int p = 0; p < pieces && towersTrain; p++) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        backward(gc, p, r, towers(replicas.store(deviceOf(p), pieceManagers.get(p)), px.get(p), tok.get(p)));
                    }
                }
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(r.scaleBiasSurrogate(t, b));
                }
            }
            double lossValue = r.loss().toType(DataType.FLOAT64, false).getDouble();
            replicas.gatherGradients();
            double norm = GradientClipping.clipByGlobalNorm(trainable.values(), config.clipNorm());
            if (!Double.isFinite(norm)) {
                List<String> bad = new ArrayList<>();
                for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                    try (NDArray g = e.getValue().getArray().getGradient(); NDArray s = g.sum()) {
                        if (!Double.isFinite(s.toType(DataType.FLOAT64, false).getDouble())) {
                            bad.add(e.getKey());
                        }
                    }
                }
                optimizer.zeroGradients();
                throw nonFinite("gradient norm (non-finite in " + bad.size() + " tensors: "
                        + String.join(", ", bad.subList(0, Math.min(6, bad.size()))) + ")", norm);
            }
            double lr = schedule.at(completed);
            optimizer.step(lr);
            replicas.refresh();
            completed++;
            for (NDManager pm : pieceManagers) {
                pm.close();
            }
            result = new StepResult(completed, lossValue, lr, norm, n);
        }
        // After the step's manager has handed t' and b back to the model's: new handles are made
        // in an array's current manager.
        optimizer.releaseGradients();
        return result;
    }

    private ShardedLossResult computeLoss(List<NDArray> img, List<NDArray> txt, NDArray t, NDArray b, NDArray labels) {
        ShardedLossResult r;
        // The loss is differentiated analytically; no graph may be recorded through it.
        try (GradMode off = GradMode.disabled()) {
            r = loss.compute(img, txt, t, b, labels);
        }
        double value = r.loss().toType(DataType.FLOAT64, false).getDouble();
        if (!Double.isFinite(value)) {
            throw nonFinite("loss", value);
        }
        return r;
    }

    private SiglipException nonFinite(String what, double value) {
        Optional<Path> last = checkpoints.latest();
        return new SiglipException("the " + what + " is " + value + " at step " + (completed + 1)
                + "; stopping without updating. Last good checkpoint: "
                + last.map(Path::toString).orElse("none (no checkpoint was written yet)")
                + ". Lower the learning rate or check the data.");
    }

    /**
     * Back-propagates a surrogate unless no tower trains at all. (DJL's {@code hasGradient()}
     * reports whether a {@code .grad} exists, not whether an array is in the graph, so the
     * decision is taken from the parameters.)
     */
    private void backward(GradientCollector gc, int piece, ShardedLossResult r, Towers towers) {
        if (towersTrain) {
            gc.backward(r.towerSurrogate(piece, towers.image(), towers.text()));
            for (CheckpointedFeatures c : towers.checkpointed()) {
                c.backward();
            }
        }
        towers.checkpointed().forEach(CheckpointedFeatures::close);
    }

    /**
     * The image inputs of a batch: {@code [pixel_values]} [n, 3, H, W] for SigLIP, or
     * {@code [pixel_values, pixel_attention_mask, spatial_shapes]} for NaFlex's packed sequences.
     */
    private NDList imageInputs(List<float[]> images, NDManager manager) {
        if (naflex != null) {
            return naflexImages.unpack(images).toNDList(manager);
        }
        return new NDList(manager.create(flatten(images), new Shape(images.size(), 3, height, width)));
    }

    /**
     * One piece's normalised embeddings under autograd, and, with gradient checkpointing, the
     * checkpointed runs whose backward pass follows the surrogate's.
     */
    private record Towers(NDArray image, NDArray text, List<CheckpointedFeatures> checkpointed) {}

    /**
     * Both towers on a piece. Gradient checkpointing applies to a SigLIP tower with trainable
     * parameters only: a frozen tower records no graph anyway (NaFlex models refuse the option
     * when the trainer is built).
     */
    private Towers towers(ParameterStore ps, NDList pixels, NDArray ids) {
        List<CheckpointedFeatures> checkpointed = new ArrayList<>();
        NDArray image;
        NDArray text;
        if (naflex != null) {
            image = naflex.getImageFeatures(ps, pixels.get(0), pixels.get(1), pixels.get(2), true);
            text = naflex.getTextFeatures(ps, ids, true);
        } else {
            NDArray px = pixels.singletonOrThrow();
            if (config.gradientCheckpointing() && imageTrains && GradMode.isEnabled()) {
                CheckpointedFeatures c = siglip.getImageFeaturesCheckpointed(ps, px, true);
                checkpointed.add(c);
                image = c.features();
            } else {
                image = siglip.getImageFeatures(ps, px, true);
            }
            if (config.gradientCheckpointing() && textTrains && GradMode.isEnabled()) {
                CheckpointedFeatures c = siglip.getTextFeaturesCheckpointed(ps, ids, true);
                checkpointed.add(c);
                text = c.features();
            } else {
                text = siglip.getTextFeatures(ps, ids, true);
            }
        }
        return new Towers(PretrainedSiglip.l2normalize(image), PretrainedSiglip.l2normalize(text), checkpointed);
    }

    private int deviceOf(int piece) {
        return piece / config.accumulate();
    }

    static NDArray move(NDArray a, NDManager to) {
        NDArray moved = a.getDevice().equals(to.getDevice()) ? a : a.toDevice(to.getDevice(), false);
        moved.attach(to);
        return moved;
    }

    /** Contiguous, as-even-as-possible piece boundaries: the first {@code n % k} pieces get one more. */
    static int[] bounds(int n, int k) {
        int[] b = new int[k + 1];
        for (int p = 0; p < k; p++) {
            b[p + 1] = b[p] + n / k + (p < n % k ? 1 : 0);
        }
        return b;
    }

    /**
     * The positives of a batch: pair (i, j) is positive when i == j or both belong to the same
     * non-null group. Returns null when every pair is its own group (the identity).
     */
    static NDArray labelMatrix(List<String> groups, NDManager manager) {
        int n = groups.size();
        float[] z = new float[n * n];
        boolean beyondDiagonal = false;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean pos = i == j || (groups.get(i) != null && groups.get(i).equals(groups.get(j)));
                z[i * n + j] = pos ? 1 : 0;
                beyondDiagonal |= pos && i != j;
            }
        }
        return beyondDiagonal ? manager.create(z, new Shape(n, n)) : null;
    }

    static float[] flatten(List<float[]> images) {
        int per = images.get(0).length;
        float[] out = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).length != per) {
                throw new SiglipException("images of one batch differ in size: " + per + " vs " + images.get(i).length
                        + " values");
            }
            System.arraycopy(images.get(i), 0, out, i * per, per);
        }
        return out;
    }

    /**
     * Adds a listener told about every step, checkpoint and the end of each {@code fit}.
     *
     * @param listener the listener
     * @return this trainer
     */
    public SiglipTrainer addListener(TrainingListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public java.util.List<TrainingListener> listeners() {
        return listeners;
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
     */
    public Result fit(PairSource data, boolean resume, ToDoubleFunction<SiglipModel> eval, int evalEvery) {
        if (eval != null && siglip == null) {
            throw new SiglipException("evaluation during training takes a SigLIP model; this trainer trains SigLIP 2"
                    + " NaFlex (pass no evaluation)");
        }
        return TrainingLoop.run(this, config, data, resume, eval == null ? null : () -> eval.applyAsDouble(siglip),
                evalEvery, "SigLIP training");
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

    /** Adds t' and b to each metrics row. */
    @Override
    public void addMetrics(Map<String, Object> row) {
        row.put("logit_scale", logitScale.getArray().getFloat());
        row.put("logit_bias", logitBias.getArray().getFloat());
    }

    /** Saves a checkpoint of the current state now. */
    @Override
    public Path saveCheckpoint(double lastLoss) {
        return TrainingLoop.saveCheckpoint(checkpoints, completed, model, optimizer, config, null, lastLoss);
    }

    /** Restores model weights, optimiser state and step count from a checkpoint folder. */
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
