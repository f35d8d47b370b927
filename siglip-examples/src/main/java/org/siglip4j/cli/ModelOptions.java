package org.siglip4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.pipeline.ImageTowerPipeline;
import org.siglip4j.core.pipeline.ImageClassificationPipeline;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.SiglipPipelines;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The model, device and batching options of the commands that run a model. */
final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Model folder (Hugging Face layout: config.json, model.safetensors, preprocessor_config.json, "
                    + "spiece.model or tokenizer.json) or a hub id such as google/siglip-base-patch16-224, downloaded "
                    + "into the Hugging Face cache on first use (HF_HUB_CACHE, HF_TOKEN, HF_HUB_OFFLINE apply).")
    String model;

    @Option(names = "--device", paramLabel = "cpu|gpu|cuda:N",
            description = "Where to run: cpu, gpu or cuda:N (default: gpu when the engine sees one, else cpu).")
    String device;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Images or texts per model call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    ProgressOption progress;

    @Option(names = "--max-num-patches", paramLabel = "N",
            description = "SigLIP 2 NaFlex models only: the most patches per image; each image is resized to fit,"
                    + " keeping its aspect ratio (default: the model's preprocessor_config.json, 256 for google/"
                    + "siglip2-*-naflex).")
    Integer maxNumPatches;

    @Mixin
    EngineOptions engineOptions;

    /** The execution policy, read from the options once by {@link #validate}. */
    private ExecutionPolicy policy;

    /** The model reference given, else the default model, else a usage error. */
    String modelRef(CommandSpec spec) {
        if (model != null) {
            return model;
        }
        Optional<Path> fallback = DefaultModel.path();
        if (fallback.isPresent()) {
            return fallback.get().toString();
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--model=MODEL' "
                + "(a model folder or a hub id such as google/siglip-base-patch16-224; this build has no default model)");
    }

    /** Usage errors (no model, bad batch size) before any work is done. */
    void validate(CommandSpec spec) {
        if (batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--batch-size must be at least 1, got " + batchSize);
        }
        if (maxNumPatches != null && maxNumPatches < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-num-patches must be at least 1, got " + maxNumPatches);
        }
        modelRef(spec);
        SiglipPipelines.device(device);
        policy = engineOptions.policy();
    }

    /** Validates the options, resolves the model (downloading it if needed) and loads it. */
    SiglipPipeline load(CommandSpec spec) {
        return load(resolve(spec));
    }

    /** Loads a folder resolved by {@link #resolve} with these options (device, batch, engine, patches). */
    SiglipPipeline load(Path dir) {
        SiglipPipeline.Builder builder = SiglipPipeline.builder().setModelDir(dir)
                .optDevice(SiglipPipelines.device(device)).optBatchSize(batchSize).optExecutionPolicy(policy);
        if (maxNumPatches != null) {
            builder.optMaxNumPatches(maxNumPatches);
        }
        return builder.build();
    }

    /** Validates the options and resolves the model to a local folder (downloading it if needed). */
    Path resolve(CommandSpec spec) {
        validate(spec);
        String ref = modelRef(spec);
        try (ProgressBars.Downloads bars = ProgressBars.downloads(spec.commandLine().getErr(), progress.show())) {
            return SiglipPipelines.resolveModel(ref, null, null, bars);
        }
    }

    /**
     * The resolved HF folder when the model is image-only (a timm tower, an HF vision model), else
     * null (then {@link #load} loads it as a two-tower pipeline).
     */
    Path imageOnlyModel(CommandSpec spec) {
        Path dir = resolve(spec);
        return ImageTowerPipeline.isImageOnly(dir) ? dir : null;
    }

    /** Loads a fine-tuned classifier folder (resolved by {@link #resolve}) with these options. */
    ImageClassificationPipeline loadClassifier(Path dir) {
        return ImageClassificationPipeline.fromPretrained(dir.toString(), SiglipPipelines.device(device), batchSize);
    }

    /** A bar for many images: drawn only when they take more than one batch. */
    ProgressBars.Bar imageProgress(CommandSpec spec, int images) {
        return ProgressBars.items(spec.commandLine().getErr(), "images", images,
                progress.show() && images > batchSize);
    }

    /** Fails early, before the model loads, on an image file that does not exist. */
    static void checkFilesExist(List<Path> files) {
        for (Path f : files) {
            if (Files.isDirectory(f)) {
                throw new SiglipException("image file " + f + " is a folder");
            }
            if (!Files.exists(f)) {
                throw new SiglipException("image file not found: " + f);
            }
        }
    }
}
