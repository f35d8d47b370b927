package org.siglip4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.siglip4j.core.hub.ModelLocator;
import org.siglip4j.eval.ImagePreprocessing;
import org.siglip4j.eval.RetrievalEvaluator;
import org.siglip4j.eval.RetrievalManifest;
import org.siglip4j.eval.RetrievalResult;
import org.siglip4j.eval.SiglipEmbeddingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code siglip eval-retrieval --model M --manifest F}: image-text retrieval recall of a JSONL
 * manifest ({@link RetrievalEvaluator} with a {@link SiglipEmbeddingModel}); prints the Markdown
 * summary and optionally writes JSON and Markdown reports.
 */
@Command(name = "eval-retrieval", mixinStandardHelpOptions = true,
        description = {"Image-text retrieval (recall@1/5/10, mean and median rank, both directions) on a"
                + " JSONL manifest: one {\"image\": \"path relative to the manifest\", \"captions\": [...]}"
                + " (or \"text\": \"...\") per line.",
            "Ties count against the query."})
final class EvalRetrievalCommand implements Callable<Integer> {
    @Mixin
    SiglipCli.Common common;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID",
            description = "A SigLIP model folder, or a Hugging Face hub id (downloaded into the hub cache).")
    String model;

    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "The JSONL manifest.")
    Path manifest;

    @Option(names = "--crop",
            description = "big_vision evaluation crop (shorter side to size/0.875, centre crop) instead of the"
                    + " Hugging Face resize.")
    boolean crop;

    @Option(names = "--canonicalize",
            description = "Canonicalise captions big_vision style (lower case, no punctuation).")
    boolean canonicalize;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N",
            description = "Images or texts per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--cache", paramLabel = "DIR", description = "Cache image embeddings here.")
    Path cache;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the full result as JSON.")
    Path json;

    @Option(names = "--markdown", paramLabel = "FILE", description = "Write the Markdown report.")
    Path markdown;

    @Option(names = "--no-progress", description = "Do not draw progress bars on stderr.")
    boolean noProgress;

    @Override
    public Integer call() {
        RetrievalManifest m = RetrievalManifest.read(manifest);
        RetrievalEvaluator.Builder builder = RetrievalEvaluator.builder()
                .optCanonicalize(canonicalize)
                .optBatchSize(batchSize)
                .optCacheDir(cache)
                .optShowProgress(!noProgress);
        Path dir = ModelLocator.fromEnvironment().resolve(model);
        ImagePreprocessing mode = crop ? ImagePreprocessing.RESIZE_CENTER_CROP : ImagePreprocessing.RESIZE;
        RetrievalResult result;
        try (SiglipEmbeddingModel sm = SiglipEmbeddingModel.load(dir, mode)) {
            result = builder.setModel(sm).build().evaluate(m);
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
}
