package org.siglip4j.cli;

import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.SiglipPipelines;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import org.siglip4j.train.ClassificationTrainer;
import org.siglip4j.train.FinetuneSetup;
import org.siglip4j.train.ReleaseFreeMemory;
import org.siglip4j.train.SiglipTrainer;
import org.siglip4j.train.Trainer;
import org.siglip4j.train.TrainerConfig;
import org.siglip4j.train.data.PairDataset;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code siglip finetune}: fine-tunes a SigLIP model with the sigmoid loss on image-text pairs
 * ({@link SiglipTrainer}), or, with {@code --classification}, a {@code SiglipForImageClassification}
 * head with cross-entropy on a labelled folder ({@link ClassificationTrainer}). The command parses
 * and prints; reading the data, the resume check and the run are {@link FinetuneSetup}'s.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a SigLIP model on image-text pairs with the sigmoid loss over the whole batch.",
            "TRAIN is a .jsonl/.csv manifest, a .tar WebDataset shard or a folder of shards or samples, or an image "
                    + "folder with one sub-folder per class (captions made from --templates).",
            "Writes OUT/model (a Hugging Face model folder), OUT/checkpoints/step-N, OUT/metrics.jsonl and "
                    + "OUT/loss.png."})
final class FinetuneCommand extends SiglipCommand {
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

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        validate();
        PrintWriter o = spec.commandLine().getOut();
        Path dir;
        try (ProgressBars.Downloads bars = ProgressBars.downloads(spec.commandLine().getErr(), progress.show())) {
            dir = SiglipPipelines.resolveModel(model, null, null, bars);
        }
        FinetuneSetup setup = FinetuneSetup.prepare(dir, train, val, out, templates, classification, augment, batchSize);
        PairDataset trainSet = setup.trainSet();
        int steps = length.steps != null ? length.steps : setup.stepsFor(length.epochs, batchSize);
        TrainerConfig config = config(steps);
        if (resume) {
            FinetuneSetup.resumePoint(config).ifPresentOrElse(
                    c -> o.println("resuming from " + c.getKey() + " (step " + c.getValue().step() + ")"),
                    () -> spec.commandLine().getErr().println("note: no checkpoint in " + out.resolve("checkpoints")
                            + "; starting from the beginning"));
        }
        int every = evalEvery != null ? evalEvery : checkpointEvery;
        o.printf(Locale.ROOT, "%s: %d training pairs (%d skipped while reading)%s, %d steps of %d (%.2f epochs)%n",
                classification ? "classifier fine-tuning" : "SigLIP fine-tuning", trainSet.size(),
                trainSet.skipped().size(), setup.valSet().map(v -> ", " + v.size() + " validation pairs").orElse(""),
                steps, batchSize, steps * (double) batchSize / trainSet.size());
        if (!trainSet.missingImages().isEmpty()) {
            o.println("  " + trainSet.missingImagesNote());
        }
        trainSet.skipped().stream().limit(5).forEach(s -> o.println("  skipped: " + s));
        setup.headNote().ifPresent(o::println);
        o.flush();
        Trainer.Result r;
        try (NDManager root = NDManager.newBaseManager(SiglipPipelines.device(device))) {
            // main() tuned the allocator: give its kept memory back once the steps are done
            r = setup.run(config, resume, every, root, new ReleaseFreeMemory());
        }
        summary(o, r, trainSet);
        return 0;
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
        FinetuneSetup.checkOutput(out, resume);
    }

    private TrainerConfig config(int steps) {
        if (warmup != null && warmup > steps) {
            throw new SiglipException("--warmup " + warmup + " is longer than the run (" + steps + " steps)");
        }
        TrainerConfig.Builder b = TrainerConfig.builder(out).optSteps(steps).optBatchSize(batchSize)
                .optLearningRate(lr).optWeightDecay(weightDecay).optClipNorm(clipNorm).optDevices(devices)
                .optAccumulate(accumulate).optGradientCheckpointing(gradCheckpointing).optSeed(seed).optCheckpointEvery(checkpointEvery)
                .optFreeze(new TrainerConfig.Freeze(lockImage, unlockLast, lockText, 0))
                .optShowProgress(progress.show());
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

    private void summary(PrintWriter o, Trainer.Result r, PairDataset trainSet) {
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
