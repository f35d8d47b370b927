package org.siglip4j.eval;

/**
 * The record of one retrieval run, serialisable with Gson and printable as Markdown.
 *
 * @param model {@link EmbeddingModel#id()}
 * @param preprocessing {@link EmbeddingModel#preprocessingId()}
 * @param data what was evaluated
 * @param canonicalize whether captions were canonicalised (big_vision style)
 * @param tieRule how ties are counted
 * @param metrics the numbers
 * @param timing where the time went
 */
public record RetrievalResult(String model, String preprocessing, Data data, boolean canonicalize,
        String tieRule, RetrievalMetrics metrics, Timing timing) implements EvaluationReport {

    /**
     * The evaluated data.
     *
     * @param manifest the manifest file
     * @param images images
     * @param texts captions
     */
    public record Data(String manifest, int images, int texts) {}

    /** Text of {@link #tieRule()}. */
    public static final String TIE_RULE = "1-based ranks; only non-matching candidates scoring strictly"
            + " above the best match rank ahead of it (a tie is a hit, as CLIP_benchmark); image->text"
            + " uses the best of its captions";

    /**
     * Reads a result written by {@link #toJson()}.
     *
     * @param json the JSON text
     * @return the result
     */
    public static RetrievalResult fromJson(String json) {
        return Reports.GSON.fromJson(json, RetrievalResult.class);
    }

    /**
     * A Markdown report with one row per direction.
     *
     * @return Markdown text
     */
    @Override
    public String toMarkdown() {
        StringBuilder b = Reports.header("Image-text retrieval", model, preprocessing);
        b.append("- data: `").append(data.manifest()).append("` (").append(data.images())
                .append(" images, ").append(data.texts()).append(" captions)")
                .append(canonicalize ? ", captions canonicalised" : "").append("\n\n");
        b.append("| direction | R@1 (%) | R@5 (%) | R@10 (%) | mean rank | median rank |\n")
                .append("|---|---:|---:|---:|---:|---:|\n");
        row(b, "image → text", metrics.imageToText());
        row(b, "text → image", metrics.textToImage());
        b.append("\nimages/s (model): ").append(Reports.number(timing.imagesPerSecond(), 1))
                .append("; images embedded / from cache: ").append(timing.imagesEmbedded())
                .append(" / ").append(timing.imagesFromCache()).append("; wall time: ")
                .append(Reports.number(timing.wallSeconds(), 2)).append(" s\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String name, RetrievalMetrics.Direction d) {
        b.append("| ").append(name).append(" | ").append(Reports.percent(d.recallAt1()))
                .append(" | ").append(Reports.percent(d.recallAt5())).append(" | ")
                .append(Reports.percent(d.recallAt10())).append(" | ")
                .append(Reports.number(d.meanRank(), 2)).append(" | ")
                .append(Reports.number(d.medianRank(), 1)).append(" |\n");
    }
}
