package org.siglip4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.siglip4j.core.SiglipException;
import org.siglip4j.eval.ClassNames;
import org.siglip4j.eval.LabelledImageFolder;
import org.siglip4j.eval.PromptTemplates;
import org.siglip4j.eval.SiglipEmbeddingModel;
import org.siglip4j.eval.ZeroShotEvaluator;
import org.siglip4j.eval.ZeroShotResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
final class EvalZeroShotCommand extends SiglipCommand {
    @Mixin
    EvalOptions eval;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Labelled folder: one sub-folder per class (every sub-folder is a candidate class).")
    Path data;

    @Option(names = {"--classnames", "--labels-file"}, paramLabel = "FILE|imagenet",
            description = "Class names: 'imagenet' (WordNet-id folders), or a file (one name per line, a JSON"
                    + " array, or a JSON object keyed by folder). Default: ImageNet names when every folder"
                    + " is a WordNet id, else the folder names with '_' read as spaces.")
    String classNames;

    @Option(names = "--templates", defaultValue = "ensemble", paramLabel = "ensemble|simple|FILE",
            description = "Prompt templates: 'ensemble' (48, default), 'simple' ('a photo of a {}.') or a"
                    + " file with one template containing {} per line.")
    String templates;

    @Option(names = "--canonicalize",
            description = "Canonicalise prompts big_vision style (lower case, no punctuation).")
    boolean canonicalize;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate at most N images.")
    Integer limit;

    @Option(names = "--limit-mode", defaultValue = "stratified", paramLabel = "stratified|first",
            description = "How --limit picks images: round robin over classes (default) or the first N.")
    String limitMode;

    @Override
    public Integer call() {
        LabelledImageFolder folder = LabelledImageFolder.read(data);
        if (limit != null) {
            folder = folder.limit(limit, parseLimitMode(limitMode));
        }
        ZeroShotEvaluator.Builder builder = ZeroShotEvaluator.builder()
                .optTemplates(PromptTemplates.named(templates))
                .optCanonicalize(canonicalize)
                .optBatchSize(eval.batchSize)
                .optCacheDir(eval.cache)
                .optShowProgress(eval.progress.show());
        if (classNames != null) {
            builder.optClassNames("imagenet".equalsIgnoreCase(classNames) ? ClassNames.imagenet()
                    : ClassNames.fromFile(Path.of(classNames)));
        }
        ZeroShotResult result;
        try (EvalOptions.Loaded m = eval.load()) {
            result = builder.setModel(m.model()).build().evaluate(folder);
        }
        eval.report(result, spec);
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
