package org.siglip4j.train;

import ai.djl.ndarray.NDManager;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.pipeline.ImageTowerPipeline;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.data.Augmentation;
import org.siglip4j.train.data.LabelledImageCollator;
import org.siglip4j.train.data.PairDataset;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.data.TrainingData;
import org.siglip4j.train.metrics.ValidationAccuracy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * A fine-tuning run from a model folder and data on disk, as {@code siglip finetune} starts one:
 * which trainer the folder calls for (SigLIP, SigLIP 2 NaFlex, or a classifier), the training and
 * validation data read by their form ({@link TrainingData}), the checks that a run can start or
 * resume exactly, and the run itself. An application parses its options, calls {@link #prepare},
 * builds a {@link TrainerConfig} and calls {@link #run}.
 */
public final class FinetuneSetup {

    /** Which trainer a run uses. */
    public enum Kind {
        /** {@link SiglipTrainer} on a SigLIP model. */
        SIGLIP,
        /** {@link SiglipTrainer} on a SigLIP 2 NaFlex model. */
        NAFLEX,
        /** {@link ClassificationTrainer}. */
        CLASSIFIER
    }

    private final Path modelDir;
    private final Kind kind;
    private final PairDataset trainSet;
    private final PairDataset valSet;
    private final PairSource data;
    private final PairSource valData;
    private final Siglip2ImageProcessor patches;
    /** The classifier decision, made once when the data is read (null unless {@link Kind#CLASSIFIER}). */
    private final Head head;

    /**
     * What a classification run starts from: the folder's own head ({@code keep}) or a new one for
     * {@code classes} on the folder's {@code config}; {@code note} tells the user when a
     * classifier's head is replaced.
     */
    private record Head(boolean keep, SiglipConfig config, Set<String> classes, String note) {}

    private FinetuneSetup(Path modelDir, Kind kind, PairDataset trainSet, PairDataset valSet, PairSource data,
                          PairSource valData, Siglip2ImageProcessor patches, Head head) {
        this.modelDir = modelDir;
        this.kind = kind;
        this.trainSet = trainSet;
        this.valSet = valSet;
        this.data = data;
        this.valData = valData;
        this.patches = patches;
        this.head = head;
    }

    /**
     * Reads the data and picks the trainer for a model folder.
     *
     * @param modelDir the model folder (resolved, on disk)
     * @param train training data ({@link TrainingData#read})
     * @param val validation data, or null
     * @param out the run's output folder (WebDataset shards are unpacked below it)
     * @param templates caption templates file for an image folder, or null for the defaults
     * @param classification train a classifier on an image folder
     * @param augment random resized crop and flip of training images
     * @param batchSize the global batch (the training data must have at least that many pairs)
     * @return the setup
     * @throws SiglipException if the combination is unsupported or the data too small
     */
    public static FinetuneSetup prepare(Path modelDir, Path train, Path val, Path out, Path templates,
                                        boolean classification, boolean augment, int batchSize) {
        if (!classification) {
            ImageTowerPipeline.requireTwoTowers(modelDir, modelDir, "fine-tuning on image-text pairs");
        }
        boolean naflex = Siglip2Config.isSiglip2(modelDir);
        if (naflex && (classification || augment || val != null)) {
            throw new SiglipException("SigLIP 2 NaFlex fine-tuning takes image-text pairs only: --classification,"
                    + " --augment and --val are not supported for it yet");
        }
        SiglipImageProcessor processor = naflex ? null : SiglipImageProcessor.load(modelDir);
        Siglip2ImageProcessor patches = naflex ? Siglip2ImageProcessor.load(modelDir) : null;
        Path extractTo = out.resolve("webdataset");
        PairDataset trainSet = TrainingData.read(train, "--train", extractTo, templates, classification);
        PairDataset valSet = val == null ? null : TrainingData.read(val, "--val", extractTo, templates, classification);
        if (trainSet.size() < batchSize) {
            String missing = trainSet.missingImagesNote();
            throw new SiglipException("the training data " + train + " has " + trainSet.size() + " usable pairs, fewer "
                    + "than --batch-size " + batchSize + (missing.isEmpty() ? "; lower --batch-size or add data"
                    : ": " + missing));
        }
        PairSource data = naflex ? PairSource.of(trainSet, f -> patches.pack(ImageLoader.load(f)))
                : PairSource.of(trainSet, processor, augment ? Augmentation.standard() : Augmentation.NONE);
        PairSource valData = valSet == null ? null : PairSource.of(valSet, processor, Augmentation.NONE);
        Kind kind = classification ? Kind.CLASSIFIER : naflex ? Kind.NAFLEX : Kind.SIGLIP;
        return new FinetuneSetup(modelDir, kind, trainSet, valSet, data, valData, patches,
                classification ? head(modelDir, data) : null);
    }

    /**
     * A note for the user when a classifier folder's own head is replaced: none of the data's
     * classes is one of the model's (a timm tower's ImageNet head), so a new head is trained on the
     * pooling the model's classifier used (the MAP head for a timm MAP tower).
     *
     * @return the note, or empty when the folder's head is kept or there is none
     */
    public Optional<String> headNote() {
        return head == null ? Optional.empty() : Optional.ofNullable(head.note());
    }

    private static boolean isClassifier(SiglipConfig cfg) {
        return cfg.architectures().contains("SiglipForImageClassification");
    }

    /** A classifier keeps its head when at least one of the data's classes is one of its labels. */
    private static boolean keepsOwnHead(SiglipConfig cfg, Set<String> classes) {
        if (!isClassifier(cfg)) {
            return false;
        }
        Set<String> known = new HashSet<>();
        cfg.id2label().values().forEach(l -> known.add(LabelledImageCollator.normalize(l)));
        return classes.stream().anyMatch(c -> known.contains(LabelledImageCollator.normalize(c)));
    }

    private static Set<String> classes(PairSource data) {
        Set<String> classes = new LinkedHashSet<>();
        for (int i = 0; i < data.size(); i++) {
            classes.add(data.group(i));
        }
        return classes;
    }

    /** The trainer this run uses. */
    public Kind kind() {
        return kind;
    }

    /** The training pairs as read (with the records skipped while reading). */
    public PairDataset trainSet() {
        return trainSet;
    }

    /** The validation pairs, if any. */
    public Optional<PairDataset> valSet() {
        return Optional.ofNullable(valSet);
    }

    /**
     * Optimiser steps of a run given in epochs: whole batches per pass times the passes.
     *
     * @param epochs passes over the training data
     * @param batchSize the global batch
     * @return the steps
     */
    public int stepsFor(int epochs, int batchSize) {
        return epochs * (trainSet.size() / batchSize);
    }

    /**
     * Refuses an output folder a new run cannot use: a file, or a folder that holds checkpoints
     * of an earlier run when not resuming.
     *
     * @param out the output folder
     * @param resume whether the run continues from its checkpoints
     */
    public static void checkOutput(Path out, boolean resume) {
        if (Files.isRegularFile(out)) {
            throw new SiglipException("--out " + out + " is a file; give a folder");
        }
        if (!resume && Files.isDirectory(out.resolve("checkpoints"))
                && new CheckpointStore(out.resolve("checkpoints"), null).latest().isPresent()) {
            throw new SiglipException(out + " already holds checkpoints; pass --resume to continue that run or "
                    + "choose another --out");
        }
    }

    /**
     * The checkpoint a resumed run continues from. A resumed run must see the same data order, so
     * the checkpoint's seed and batch size must equal the config's.
     *
     * @param config the run (its output folder holds the checkpoints)
     * @return the newest complete checkpoint's state and folder, or empty when there is none
     * @throws SiglipException if the checkpoint was made with another seed or batch size
     */
    public static Optional<Map.Entry<Path, CheckpointStore.State>> resumePoint(TrainerConfig config) {
        Optional<Path> last = new CheckpointStore(config.outputDir().resolve("checkpoints"), null).latest();
        if (last.isEmpty()) {
            return Optional.empty();
        }
        CheckpointStore.State state = CheckpointStore.readState(last.get());
        var run = state.state();
        if (run.has("seed") && run.get("seed").getAsLong() != config.seed()
                || run.has("batch_size") && run.get("batch_size").getAsInt() != config.batchSize()) {
            throw new SiglipException("cannot resume " + last.get() + ": it was made with --seed "
                    + run.get("seed") + " --batch-size " + run.get("batch_size") + ", not --seed " + config.seed()
                    + " --batch-size " + config.batchSize() + "; pass the same values to continue exactly");
        }
        return Optional.of(Map.entry(last.get(), state));
    }

    /**
     * Trains: loads the model into {@code manager}, runs the trainer's {@code fit} and closes the
     * model. With validation data, evaluates every {@code evalEvery} steps and at the end.
     *
     * @param config the run
     * @param resume continue from the newest checkpoint
     * @param evalEvery steps between evaluations (0 = only at the end)
     * @param manager where the model lives (its device trains)
     * @param listeners told about the run (e.g. {@link ReleaseFreeMemory}, which an application
     *     that tuned the allocator installs)
     * @return what the run did
     */
    public Trainer.Result run(TrainerConfig config, boolean resume, int evalEvery, NDManager manager,
            TrainingListener... listeners) {
        int batchSize = config.batchSize();
        switch (kind) {
            case CLASSIFIER -> {
                try (SiglipForImageClassification model = classifier(manager);
                     ClassificationTrainer trainer = new ClassificationTrainer(model, modelDir, config)) {
                    listen(trainer, listeners);
                    ToDoubleFunction<SiglipForImageClassification> eval = valData == null ? null
                            : m -> ValidationAccuracy.classification(m, valData, trainer::labelId, batchSize);
                    return trainer.fit(data, resume, eval, evalEvery);
                }
            }
            case NAFLEX -> {
                try (Siglip2Model model = Siglip2Model.fromPretrained(modelDir, manager);
                     SiglipTokenizer tok = SiglipTokenizer.load(modelDir);
                     SiglipTrainer trainer = new SiglipTrainer(model, patches, tok, modelDir, config)) {
                    listen(trainer, listeners);
                    return trainer.fit(data, resume, null, evalEvery);
                }
            }
            default -> {
                try (SiglipModel model = SiglipModel.fromPretrained(modelDir, manager);
                     SiglipTokenizer tok = SiglipTokenizer.load(modelDir);
                     SiglipTrainer trainer = new SiglipTrainer(model, tok, modelDir, config)) {
                    listen(trainer, listeners);
                    ToDoubleFunction<SiglipModel> eval = valData == null ? null
                            : m -> ValidationAccuracy.inBatchRetrieval(m, tok, valData, batchSize);
                    return trainer.fit(data, resume, eval, evalEvery);
                }
            }
        }
    }

    private static void listen(Trainer trainer, TrainingListener[] listeners) {
        for (TrainingListener l : listeners) {
            trainer.addListener(l);
        }
    }

    /**
     * The classifier to train: the folder's own when it is a {@code SiglipForImageClassification}
     * that knows at least one of the data's classes, else the folder's vision tower with a new,
     * randomly initialised head for the data's classes (in order of first appearance).
     */
    private SiglipForImageClassification classifier(NDManager manager) {
        if (head.keep()) {
            return SiglipForImageClassification.fromPretrained(modelDir, manager);
        }
        Map<Integer, String> labels = new TreeMap<>();
        for (String c : head.classes()) {
            labels.put(labels.size(), c);
        }
        SiglipForImageClassification m = new SiglipForImageClassification(head.config().withId2label(labels),
                manager);
        m.loadWeights(modelDir, false);
        return m;
    }

    /** Decides, from the folder's config and the data's classes, which head a classification run trains. */
    private static Head head(Path modelDir, PairSource data) {
        SiglipConfig cfg = SiglipConfig.load(modelDir);
        Set<String> classes = classes(data);
        boolean keep = keepsOwnHead(cfg, classes);
        String note = isClassifier(cfg) && !keep ? "note: none of the data's classes is one of the model's "
                + cfg.id2label().size() + " classes; a new classifier head is trained for " + classes.size() : null;
        return new Head(keep, cfg, classes, note);
    }
}
