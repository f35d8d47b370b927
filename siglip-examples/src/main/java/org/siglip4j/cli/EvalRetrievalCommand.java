package org.siglip4j.cli;

import java.nio.file.Path;
import org.siglip4j.eval.RetrievalEvaluator;
import org.siglip4j.eval.RetrievalManifest;
import org.siglip4j.eval.RetrievalResult;
import org.siglip4j.eval.SiglipEmbeddingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code siglip eval-retrieval --model M --manifest F}: image-text retrieval recall of a JSONL
 * manifest ({@link RetrievalEvaluator} with a {@link SiglipEmbeddingModel}); prints the Markdown
 * summary and optionally writes JSON and Markdown reports.
 */
@Command(name = "eval-retrieval", mixinStandardHelpOptions = true,
        description = {"Image-text retrieval (recall@1/5/10, mean and median rank, both directions) on a"
                + " JSONL manifest: one {\"image\": \"path relative to the manifest\", \"captions\": [...]}"
                + " (or \"text\": \"...\") per line.",
            "A hit at k when any correct item is in the top k; exact score ties are hits (as CLIP_benchmark)."})
final class EvalRetrievalCommand extends SiglipCommand {
    @Mixin
    EvalOptions eval;

    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "The JSONL manifest.")
    Path manifest;

    @Option(names = "--canonicalize",
            description = "Canonicalise captions big_vision style (lower case, no punctuation).")
    boolean canonicalize;

    @Override
    public Integer call() {
        RetrievalManifest m = RetrievalManifest.read(manifest);
        RetrievalEvaluator.Builder builder = RetrievalEvaluator.builder()
                .optCanonicalize(canonicalize)
                .optBatchSize(eval.batchSize)
                .optCacheDir(eval.cache)
                .optShowProgress(eval.progress.show());
        RetrievalResult result;
        try (EvalOptions.Loaded sm = eval.load()) {
            result = builder.setModel(sm.model()).build().evaluate(m);
        }
        eval.report(result, spec);
        return 0;
    }
}
