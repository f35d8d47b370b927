package org.siglip4j.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.Siglip2Model;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.pipeline.ImageTowerPipeline;
import org.siglip4j.core.pipeline.SiglipPipelines;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.CheckpointStore;
import org.siglip4j.train.ClassificationTrainer;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.Augmentation;
import org.siglip4j.train.data.ImageFolderPairs;
import org.siglip4j.train.data.ManifestReader;
import org.siglip4j.train.data.PairDataset;
import org.siglip4j.train.data.PairSource;
import org.siglip4j.train.data.WebDatasetReader;
import org.siglip4j.train.metrics.ValidationAccuracy;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code siglip finetune}: fine-tunes a SigLIP model with the sigmoid loss on image-text pairs
 * ({@link SiglipTrainer}), or, with {@code --classification}, a {@code SiglipForImageClassification}
 * head with cross-entropy on a labelled folder ({@link ClassificationTrainer}).
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a SigLIP model on image-text pairs with the sigmoid loss over the whole batch.",
            "TRAIN is a .jsonl/.csv manifest, a .tar WebDataset shard or a folder of shards or samples, or an image "
                    + "folder with one sub-folder per class (captions made from --templates).",
            "Writes OUT/model (a Hugging Face model folder), OUT/checkpoints/step-N, OUT/metrics.jsonl and "
                    + "OUT/loss.png."})
final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    SiglipCli.Common common;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "Model folder or hub id to start from.")
    String model;

    @Option(names = "--train", required = true, paramLabel = "MANIFEST|DIR|TAR", description = "Training data.")
    Path train;

    @Option(names = "--val", paramLabel = "MANIFEST|DIR",
            description = "Validation data: logs in-batch retrieval accuracy (top-1 within batches of --batch-size), "
                    + "or with --classification top-1 accuracy, as eval_accuracy.")
    Path val;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    /** Length of the run: epochs or steps. */
    static final class Length {
        @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data.")
        Integer epochs;

        @Option(names = "--steps", paramLabel = "N", description = "Optimiser steps.")
        Integer steps;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Length length;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Global batch: pairs per optimiser step over all devices (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-5", paramLabel = "RATE",
            description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Linear warm-up steps (default: 10%% of the run).")
    Integer warmup;

    @Option(names = "--weight-decay", defaultValue = "1e-4", paramLabel = "WD",
            description = "AdamW decoupled weight decay, not on biases, norms, t' and b (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip-norm", defaultValue = "1.0", paramLabel = "NORM",
            description = "Clip gradients to this global L2 norm; 0 for none (default: ${DEFAULT-VALUE}).")
    double clipNorm;

    @Option(names = "--lock-image", description = "Freeze the vision tower (LiT: locked-image tuning).")
    boolean lockImage;

    @Option(names = "--unlock-last", defaultValue = "0", paramLabel = "N",
            description = "With --lock-image, still train the last N vision blocks and the vision head.")
    int unlockLast;

    @Option(names = "--lock-text", description = "Freeze the text tower.")
    boolean lockText;

    @Option(names = "--devices", defaultValue = "1", paramLabel = "K",
            description = "Shards of each batch, each with its own parameter replica (logical devices on a CPU build; "
                    + "the loss still sees the whole batch) (default: ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--device", paramLabel = "cpu|gpu|cuda:N",
            description = "Where to train; the --devices replicas share it (default: gpu when the engine sees one, "
                    + "else cpu).")
    String device;

    @Option(names = "--accumulate", defaultValue = "1", paramLabel = "A",
            description = "Micro-batches per device (gradient caching: same loss as one batch, less memory) "
                    + "(default: ${DEFAULT-VALUE}).")
    int accumulate;

    @Option(names = "--grad-checkpointing",
            description = "Keep only each encoder layer's input and recompute the layers in the backward pass: "
                    + "far less memory for about one more forward pass (same gradients).")
    boolean gradCheckpointing;

    @Option(names = "--resume", description = "Continue from the newest checkpoint in OUT/checkpoints.")
    boolean resume;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "N",
            description = "Data order and augmentation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "N",
            description = "Checkpoint every N steps; 0 for only at the end (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--eval-every", paramLabel = "N",
            description = "With --val, evaluate every N steps and at the end (default: --checkpoint-every).")
    Integer evalEvery;

    @Option(names = "--workers", paramLabel = "N", description = "Image decoding threads (default: CPU cores).")
    Integer workers;

    @Option(names = "--augment",
            description = "Random resized crop (area 0.8-1.0, aspect 3/4-4/3) and horizontal flip of training images.")
    boolean augment;

    @Option(names = "--templates", paramLabel = "FILE",
            description = "Caption templates for an image folder, one per line with {} for the class name "
                    + "(default: \"" + ZeroShotImageClassifier.DEFAULT_TEMPLATE + "\" and \"a photo of a {}.\").")
    Path templates;

    @Option(names = "--classification",
            description = "Train a SiglipForImageClassification with cross-entropy on an image folder (one sub-folder "
                    + "per class): the classifier, and the vision tower unless --lock-image. A plain SigLIP model gets "
                    + "a new head for the folder's classes.")
    boolean classification;

    @Option(names = "--no-progress", description = "Do not draw the progress bar.")
    boolean noProgress;

    @Override
    public Integer call() {
        validate();
        PrintWriter o = spec.commandLine().getOut();
        Path dir;
        try (ProgressBars.Downloads bars = ProgressBars.downloads(spec.commandLine().getErr(), !noProgress)) {
            dir = SiglipPipelines.resolveModel(model, null, null, bars);
        }
        if (!classification) {
            ImageTowerPipeline.requireTwoTowers(dir, model, "fine-tuning on image-text pairs");
        }
        boolean naflex = Siglip2Config.isSiglip2(dir);
        if (naflex && (classification || augment || val != null)) {
            throw new SiglipException("SigLIP 2 NaFlex fine-tuning takes image-text pairs only: --classification,"
                    + " --augment and --val are not supported for it yet");
        }
        SiglipImageProcessor processor = naflex ? null : SiglipImageProcessor.load(dir);
        Siglip2ImageProcessor patches = naflex ? Siglip2ImageProcessor.load(dir) : null;
        PairDataset trainSet = read(train, "--train");
        PairDataset valSet = val == null ? null : read(val, "--val");
        if (trainSet.size() < batchSize) {
            String missing = trainSet.missingImagesNote();
            throw new SiglipException("the training data " + train + " has " + trainSet.size() + " usable pairs, fewer "
                    + "than --batch-size " + batchSize + (missing.isEmpty() ? "; lower --batch-size or add data"
                    : ": " + missing));
        }
        int steps = length.steps != null ? length.steps : length.epochs * (trainSet.size() / batchSize);
        TrainerConfig config = config(steps);
        checkResumable(config);
        PairSource data = naflex ? PairSource.of(trainSet, f -> patches.pack(ImageLoader.load(f)))
                : PairSource.of(trainSet, processor, augment ? Augmentation.standard() : Augmentation.NONE);
        PairSource valData = valSet == null ? null : PairSource.of(valSet, processor, Augmentation.NONE);
        int every = evalEvery != null ? evalEvery : checkpointEvery;
        o.printf(Locale.ROOT, "%s: %d training pairs (%d skipped while reading)%s, %d steps of %d (%.2f epochs)%n",
                classification ? "classifier fine-tuning" : "SigLIP fine-tuning", trainSet.size(),
                trainSet.skipped().size(), valSet == null ? "" : ", " + valSet.size() + " validation pairs", steps,
                batchSize, steps * (double) batchSize / trainSet.size());
        if (!trainSet.missingImages().isEmpty()) {
            o.println("  " + trainSet.missingImagesNote());
        }
        trainSet.skipped().stream().limit(5).forEach(s -> o.println("  skipped: " + s));
        o.flush();
        SiglipTrainer.Result r;
        try (NDManager root = NDManager.newBaseManager(SiglipPipelines.device(device))) {
            if (classification) {
                r = trainClassifier(dir, root, config, data, valData, every);
            } else if (naflex) {
                try (Siglip2Model m = Siglip2Model.fromPretrained(dir, root);
                     SiglipTokenizer tok = SiglipTokenizer.load(dir);
                     SiglipTrainer trainer = new SiglipTrainer(m, patches, tok, dir, config)) {
                    r = trainer.fit(data, resume, null, every);
                }
            } else {
                try (SiglipModel m = SiglipModel.fromPretrained(dir, root);
                     SiglipTokenizer tok = SiglipTokenizer.load(dir);
                     SiglipTrainer trainer = new SiglipTrainer(m, tok, dir, config)) {
                    ToDoubleFunction<SiglipModel> eval = valData == null ? null
                            : mm -> ValidationAccuracy.inBatchRetrieval(mm, tok, valData, batchSize);
                    r = trainer.fit(data, resume, eval, every);
                }
            }
        }
        summary(o, r, trainSet);
        return 0;
    }

    private SiglipTrainer.Result trainClassifier(Path dir, NDManager root, TrainerConfig config, PairSource data,
                                                 PairSource valData, int every) {
        SiglipConfig cfg = SiglipConfig.load(dir);
        java.util.LinkedHashSet<String> classes = new java.util.LinkedHashSet<>();
        for (int i = 0; i < data.size(); i++) {
            classes.add(data.group(i));
        }
        // label names compare as the trainer compares them (case and '_' vs ' ' ignored)
        java.util.function.Function<String, String> norm = x -> x.replace('_', ' ').strip().toLowerCase(Locale.ROOT);
        java.util.Set<String> known = new java.util.HashSet<>();
        cfg.id2label().values().forEach(l -> known.add(norm.apply(l)));
        boolean classifier = cfg.architectures().contains("SiglipForImageClassification");
        SiglipForImageClassification m;
        if (classifier && classes.stream().anyMatch(c -> known.contains(norm.apply(c)))) {
            m = SiglipForImageClassification.fromPretrained(dir, root);
        } else {
            // A contrastive checkpoint, or a classifier none of whose classes is in the data (a timm
            // tower's ImageNet head): a new, randomly initialised head for the folder's classes, on
            // the pooling the model's own classifier used (the MAP head for a timm MAP tower).
            if (classifier) {
                spec.commandLine().getOut().println("note: none of the data's classes is one of the model's "
                        + cfg.id2label().size() + " classes; a new classifier head is trained for " + classes.size());
            }
            Map<Integer, String> labels = new TreeMap<>();
            for (String c : classes) {
                labels.put(labels.size(), c);
            }
            m = new SiglipForImageClassification(cfg.withId2label(labels), root);
            m.loadWeights(dir, false);
        }
        try (SiglipForImageClassification model = m;
             ClassificationTrainer trainer = new ClassificationTrainer(model, dir, config)) {
            ToDoubleFunction<SiglipForImageClassification> eval = valData == null ? null
                    : mm -> ValidationAccuracy.classification(mm, valData, trainer::labelId, batchSize);
            return trainer.fit(data, resume, eval, every);
        }
    }

    private void validate() {
        CommandLine cl = spec.commandLine();
        if (length.steps != null && length.steps < 1 || length.epochs != null && length.epochs < 1) {
            throw new CommandLine.ParameterException(cl, "--steps and --epochs must be at least 1");
        }
        if (batchSize < 1 || devices < 1 || accumulate < 1) {
            throw new CommandLine.ParameterException(cl, "--batch-size, --devices and --accumulate must be at least 1");
        }
        if (batchSize < devices * accumulate) {
            throw new CommandLine.ParameterException(cl, "--batch-size " + batchSize + " is smaller than --devices x "
                    + "--accumulate = " + devices * accumulate + ": every micro-batch needs at least one pair");
        }
        if (!(lr > 0) || weightDecay < 0 || clipNorm < 0 || checkpointEvery < 0 || unlockLast < 0) {
            throw new CommandLine.ParameterException(cl, "--lr must be positive; --weight-decay, --clip-norm, "
                    + "--checkpoint-every and --unlock-last must not be negative");
        }
        if (unlockLast > 0 && !lockImage) {
            throw new CommandLine.ParameterException(cl, "--unlock-last only makes sense with --lock-image");
        }
        if (classification && lockText) {
            throw new CommandLine.ParameterException(cl, "--lock-text does not apply to --classification "
                    + "(the classifier has no text tower)");
        }
        if (classification && !Files.isDirectory(train)) {
            throw new CommandLine.ParameterException(cl, "--classification needs --train to be an image folder with "
                    + "one sub-folder per class, got " + train);
        }
        if (!Files.exists(train)) {
            throw new SiglipException("training data not found: " + train);
        }
        if (val != null && !Files.exists(val)) {
            throw new SiglipException("validation data not found: " + val);
        }
        if (Files.isRegularFile(out)) {
            throw new SiglipException("--out " + out + " is a file; give a folder");
        }
        if (!resume && Files.isDirectory(out.resolve("checkpoints"))
                && new CheckpointStore(out.resolve("checkpoints"), null).latest().isPresent()) {
            throw new SiglipException(out + " already holds checkpoints; pass --resume to continue that run or "
                    + "choose another --out");
        }
    }

    private TrainerConfig config(int steps) {
        if (warmup != null && warmup > steps) {
            throw new SiglipException("--warmup " + warmup + " is longer than the run (" + steps + " steps)");
        }
        TrainerConfig.Builder b = TrainerConfig.builder(out).optSteps(steps).optBatchSize(batchSize)
                .optLearningRate(lr).optWeightDecay(weightDecay).optClipNorm(clipNorm).optDevices(devices)
                .optAccumulate(accumulate).optGradientCheckpointing(gradCheckpointing).optSeed(seed).optCheckpointEvery(checkpointEvery)
                .optFreeze(new TrainerConfig.Freeze(lockImage, unlockLast, lockText, 0))
                .optShowProgress(!noProgress);
        if (warmup != null) {
            b.optWarmupSteps(warmup);
        }
        if (workers != null) {
            if (workers < 1) {
                throw new SiglipException("--workers must be at least 1, got " + workers);
            }
            b.optWorkers(workers);
        }
        return b.build();
    }

    /** A resumed run must see the same data order: same seed and batch size as the checkpoint. */
    private void checkResumable(TrainerConfig config) {
        if (!resume) {
            return;
        }
        Optional<Path> last = new CheckpointStore(out.resolve("checkpoints"), null).latest();
        if (last.isEmpty()) {
            spec.commandLine().getErr().println("note: no checkpoint in " + out.resolve("checkpoints")
                    + "; starting from the beginning");
            return;
        }
        CheckpointStore.State state = CheckpointStore.readState(last.get());
        var run = state.state();
        if (run.has("seed") && run.get("seed").getAsLong() != config.seed()
                || run.has("batch_size") && run.get("batch_size").getAsInt() != config.batchSize()) {
            throw new SiglipException("cannot resume " + last.get() + ": it was made with --seed "
                    + run.get("seed") + " --batch-size " + run.get("batch_size") + ", not --seed " + config.seed()
                    + " --batch-size " + config.batchSize() + "; pass the same values to continue exactly");
        }
        spec.commandLine().getOut().println("resuming from " + last.get() + " (step " + state.step() + ")");
    }

    /** Reads training or validation data by its form. */
    private PairDataset read(Path p, String option) {
        if (Files.isRegularFile(p)) {
            String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".tar")) {
                return WebDatasetReader.read(p, out.resolve("webdataset"));
            }
            if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") || name.endsWith(".csv")) {
                return ManifestReader.read(p);
            }
            throw new SiglipException(option + " " + p + ": expected a .jsonl or .csv manifest, a .tar shard or a folder");
        }
        if (isImageFolder(p)) {
            return ImageFolderPairs.read(p, templates());
        }
        if (classification) {
            throw new SiglipException(option + " " + p + " has no class sub-folders; --classification needs an image "
                    + "folder with one sub-folder of images per class");
        }
        return WebDatasetReader.read(p, out.resolve("webdataset"));
    }

    /** Class sub-folders and no loose samples or shards at the top. */
    private static boolean isImageFolder(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            List<Path> entries = s.toList();
            boolean dirs = entries.stream().anyMatch(Files::isDirectory);
            boolean samples = entries.stream().anyMatch(e -> {
                String n = e.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".tar") || n.endsWith(".txt");
            });
            return dirs && !samples;
        } catch (IOException e) {
            throw new SiglipException("cannot read folder " + p + ": " + e.getMessage(), e);
        }
    }

    private List<String> templates() {
        if (templates == null) {
            return List.of(ZeroShotImageClassifier.DEFAULT_TEMPLATE, "a photo of a {}.");
        }
        try {
            List<String> t = Files.readAllLines(templates, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
            if (t.isEmpty()) {
                throw new SiglipException("--templates " + templates + " has no templates (one per line, with {})");
            }
            return t;
        } catch (IOException e) {
            throw new SiglipException("cannot read --templates " + templates + ": " + e.getMessage(), e);
        }
    }

    private void summary(PrintWriter o, SiglipTrainer.Result r, PairDataset trainSet) {
        o.printf(Locale.ROOT, "done: %d steps, final loss %.4f, %.1f pairs/s over %.1f s of this run%n", r.steps(),
                r.finalLoss(), r.pairsPerSecond(), r.seconds());
        int skipped = trainSet.skipped().size() + r.skippedRecords().size();
        o.printf(Locale.ROOT, "skipped records: %d (%d while reading, %d unreadable images)%n", skipped,
                trainSet.skipped().size(), r.skippedRecords().size());
        r.skippedRecords().stream().distinct().limit(5).forEach(s -> o.println("  " + s));
        o.println("model:       " + r.finalModel());
        o.println("loss plot:   " + out.resolve("loss.png"));
        o.println("metrics log: " + out.resolve("metrics.jsonl"));
        o.println("checkpoints: " + out.resolve("checkpoints"));
        o.flush();
    }
}
