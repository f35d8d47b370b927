package org.siglip4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.hub.ModelLocator;
import org.siglip4j.core.pipeline.ImageTowerPipeline;
import org.siglip4j.eval.EmbeddingModel;
import org.siglip4j.eval.EvaluationReport;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.Siglip2NaFlexEmbeddingModel;
import org.siglip4j.eval.SiglipEmbeddingModel;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options the evaluation commands share (a picocli mixin): the model and its preprocessing,
 * batching, the embedding cache, progress bars and the report files, with the steps that use them.
 */
final class EvalOptions {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR|HUB_ID",
            description = "A SigLIP model folder, or a Hugging Face hub id (downloaded into the hub cache).")
    String model;

    @Option(names = "--crop",
            description = "big_vision evaluation crop: resize the shorter side to size/0.875, centre crop."
                    + " Default: resize to size x size like the Hugging Face processor (open_clip's"
                    + " 'squash' for SigLIP).")
    boolean crop;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Images or texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache image embeddings here (per model and preprocessing); re-runs embed nothing.")
    Path cache;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the full result as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Write the Markdown report.")
    Path markdown;

    @Mixin
    ProgressOption progress;

    @Option(names = "--max-num-patches", paramLabel = "N",
            description = "SigLIP 2 NaFlex models only: the most patches per image (default: the model's"
                    + " preprocessor_config.json).")
    Integer maxNumPatches;

    /** A loaded model and what closes it. */
    record Loaded(EmbeddingModel model, AutoCloseable owner) implements AutoCloseable {
        @Override
        public void close() {
            try {
                owner.close();
            } catch (Exception e) {
                throw new SiglipException("cannot close the model: " + e.getMessage(), e);
            }
        }
    }

    @Mixin
    EngineOptions engineOptions;

    /**
     * Resolves {@code --model} (downloading a hub id if needed) and loads it with the chosen
     * preprocessing and engine; a SigLIP 2 NaFlex folder keeps each image's aspect ratio instead.
     */
    Loaded load() {
        Path dir = ModelLocator.fromEnvironment().resolve(model);
        ImageTowerPipeline.requireTwoTowers(dir, model, "zero-shot and retrieval evaluation");
        if (Siglip2Config.isSiglip2(dir)) {
            if (crop) {
                throw new SiglipException("--crop does not apply to SigLIP 2 NaFlex models, which keep each image's"
                        + " aspect ratio; use --max-num-patches");
            }
            if (engineOptions.policy().engine() != EngineType.PYTORCH) {
                throw new SiglipException("SigLIP 2 NaFlex models run on the PyTorch engine only (" + dir
                        + "); use --engine pytorch");
            }
            Siglip2NaFlexEmbeddingModel m = Siglip2NaFlexEmbeddingModel.load(dir, maxNumPatches);
            return new Loaded(m, m);
        }
        if (maxNumPatches != null) {
            throw new SiglipException("--max-num-patches applies to SigLIP 2 NaFlex models (model_type siglip2) only");
        }
        ImagePreprocessing mode = crop ? ImagePreprocessing.RESIZE_CENTER_CROP : ImagePreprocessing.RESIZE;
        SiglipEmbeddingModel m = SiglipEmbeddingModel.load(dir, mode, engineOptions.policy());
        return new Loaded(m, m);
    }

    /** Writes the report files asked for and prints the Markdown summary. */
    void report(EvaluationReport result, CommandSpec spec) {
        if (json != null) {
            result.writeJson(json);
        }
        if (markdown != null) {
            result.writeMarkdown(markdown);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.toMarkdown());
        out.flush();
    }
}
