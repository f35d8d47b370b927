package org.siglip4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.hub.ModelLocator;
import org.siglip4j.eval.ClassNames;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.PromptTemplates;
import org.siglip4j.eval.SiglipEmbeddingModel;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code siglip eval-zeroshot --model M --data DIR}: zero-shot classification accuracy of a
 * labelled image folder ({@link ZeroShotEvaluator} with a {@link SiglipEmbeddingModel}); prints the
 * Markdown summary and optionally writes JSON and Markdown reports.
 */
@Command(name = "eval-zeroshot", mixinStandardHelpOptions = true,
        description = {"Zero-shot classification accuracy (top-1, top-5, mean per-class) of a model on"
                + " a labelled folder DATA/<class>/<image>, e.g. ImageNet val laid out as"
                + " val/n01440764/*.JPEG.",
            "Per class, the prompts of every template are embedded, averaged and re-normalised"
                + " (open_clip's protocol); images are ranked by cosine; ties count as misses."})
final class EvalZeroShotCommand implements Callable<Integer> {
    @Mixin
    SiglipCli.Common common;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID",
            description = "A SigLIP model folder, or a Hugging Face hub id (downloaded into the hub cache).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Labelled folder: one sub-folder per class (every sub-folder is a candidate class).")
    Path data;

    @Option(names = "--classnames", paramLabel = "FILE|imagenet",
            description = "Class names: 'imagenet' (WordNet-id folders), or a file (one name per line, a JSON"
                    + " array, or a JSON object keyed by folder). Default: ImageNet names when every folder"
                    + " is a WordNet id, else the folder names with '_' read as spaces.")
    String classNames;

    @Option(names = "--templates", defaultValue = "ensemble", paramLabel = "ensemble|simple|FILE",
            description = "Prompt templates: 'ensemble' (48, default), 'simple' ('a photo of a {}.') or a"
                    + " file with one template containing {} per line.")
    String templates;

    @Option(names = "--crop",
            description = "big_vision evaluation crop: resize the shorter side to size/0.875, centre crop."
                    + " Default: resize to size x size like the Hugging Face processor (open_clip's"
                    + " 'squash' for SigLIP).")
    boolean crop;

    @Option(names = "--canonicalize",
            description = "Canonicalise prompts big_vision style (lower case, no punctuation).")
    boolean canonicalize;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Images or texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate at most N images.")
    Integer limit;

    @Option(names = "--limit-mode", defaultValue = "stratified", paramLabel = "stratified|first",
            description = "How --limit picks images: round robin over classes (default) or the first N.")
    String limitMode;

    @Option(names = "--cache", paramLabel = "DIR",
            description = "Cache image embeddings here (per model and preprocessing); re-runs embed nothing.")
    Path cache;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the full result as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Write the Markdown report.")
    Path markdown;

    @Option(names = "--no-progress", description = "Do not draw progress bars on stderr.")
    boolean noProgress;

    @Override
    public Integer call() {
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        if (limit != null) {
            folder = folder.limit(limit, parseLimitMode(limitMode));
        }
        ZeroShotEvaluator.Builder builder = ZeroShotEvaluator.builder()
                .optTemplates(PromptTemplates.named(templates))
                .optCanonicalize(canonicalize)
                .optBatchSize(batchSize)
                .optCacheDir(cache)
                .optShowProgress(!noProgress);
        if (classNames != null) {
            builder.optClassNames("imagenet".equalsIgnoreCase(classNames) ? ClassNames.imagenet()
                    : ClassNames.fromFile(Path.of(classNames)));
        }
        Path dir = ModelLocator.fromEnvironment().resolve(model);
        ImagePreprocessing mode = crop ? ImagePreprocessing.RESIZE_CENTER_CROP : ImagePreprocessing.RESIZE;
        ZeroShotResult result;
        try (SiglipEmbeddingModel m = SiglipEmbeddingModel.load(dir, mode)) {
            result = builder.setModel(m).build().evaluate(folder);
        }
        if (json != null) {
            result.writeJson(json);
        }
        if (markdown != null) {
            result.writeMarkdown(markdown);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(result.toMarkdown());
        out.flush();
        return 0;
    }

    static LabelledImageFolder.LimitMode parseLimitMode(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "stratified":
                return LabelledImageFolder.LimitMode.STRATIFIED;
            case "first":
                return LabelledImageFolder.LimitMode.FIRST;
            default:
                throw new SiglipException("--limit-mode must be 'stratified' or 'first', got '" + s + "'");
        }
    }
}
