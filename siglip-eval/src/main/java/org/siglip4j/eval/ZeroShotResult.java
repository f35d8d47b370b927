package org.siglip4j.eval;

/**
 * The record of one zero-shot classification run, serialisable with Gson ({@link #toJson()}) and
 * printable as Markdown ({@link #toMarkdown()}).
 *
 * @param model {@link EmbeddingModel#id()}
 * @param preprocessing {@link EmbeddingModel#preprocessingId()}
 * @param data what was evaluated
 * @param protocol how class embeddings and scores were made
 * @param metrics the numbers
 * @param timing where the time went
 */
public record ZeroShotResult(String model, String preprocessing, Data data, Protocol protocol,
        ClassificationMetrics metrics, Timing timing) implements EvaluationReport {

    /**
     * The evaluated data.
     *
     * @param root the image folder
     * @param images images evaluated
     * @param classes candidate classes
     * @param classNames where the class names came from
     */
    public record Data(String root, int images, int classes, String classNames) {}

    /**
     * The protocol.
     *
     * @param templateSet template set name
     * @param templates number of templates
     * @param canonicalize whether prompts were canonicalised (big_vision style)
     * @param scoring how scores are formed
     * @param tieRule how ties are counted
     */
    public record Protocol(String templateSet, int templates, boolean canonicalize, String scoring,
            String tieRule) {}

    /** Text of {@link Protocol#scoring()}. */
    public static final String SCORING = "cosine(image, class) with class = normalised mean of the"
            + " unit text embeddings of all templates (open_clip protocol); sigmoid scale/bias"
            + " omitted as they do not change rankings";
    /** Text of {@link Protocol#tieRule()}. */
    public static final String TIE_RULE = "a tie with the true class counts as a miss; on a miss"
            + " the predicted class is the lowest-index top-scoring competitor; top-k capped at the"
            + " number of classes";

    /**
     * Reads a result written by {@link #toJson()}.
     *
     * @param json the JSON text
     * @return the result
     */
    public static ZeroShotResult fromJson(String json) {
        return Reports.GSON.fromJson(json, ZeroShotResult.class);
    }

    /**
     * A Markdown report: overall metrics, the per-class table and the most-confused pairs.
     *
     * @return Markdown text
     */
    @Override
    public String toMarkdown() {
        StringBuilder b = Reports.header("Zero-shot classification", model, preprocessing);
        b.append("- data: `").append(data.root()).append("` (").append(data.images())
                .append(" images, ").append(data.classes()).append(" classes; names: ")
                .append(data.classNames()).append(")\n");
        b.append("- templates: `").append(protocol.templateSet()).append("` (")
                .append(protocol.templates()).append(")")
                .append(protocol.canonicalize() ? ", canonicalised" : "").append("\n\n");
        b.append("| metric | value |\n|---|---:|\n");
        b.append("| top-1 accuracy (%) | ").append(Reports.percent(metrics.top1())).append(" |\n");
        b.append("| top-").append(metrics.top5K()).append(" accuracy (%)")
                .append(metrics.top5K() < 5 ? " (top-5 capped)" : "").append(" | ")
                .append(Reports.percent(metrics.top5())).append(" |\n");
        b.append("| mean per-class accuracy (%) | ")
                .append(Reports.percent(metrics.meanPerClassAccuracy())).append(" |\n");
        b.append("| classes without images (excluded from mean) | ")
                .append(metrics.classesWithoutImages()).append(" |\n");
        b.append("| images/s (model) | ").append(Reports.number(timing.imagesPerSecond(), 1))
                .append(" |\n");
        b.append("| images embedded / from cache | ").append(timing.imagesEmbedded()).append(" / ")
                .append(timing.imagesFromCache()).append(" |\n");
        b.append("| wall time (s) | ").append(Reports.number(timing.wallSeconds(), 2))
                .append(" |\n\n");
        b.append("## Per class\n\n| # | class | images | top-1 correct | accuracy (%) |\n")
                .append("|---:|---|---:|---:|---:|\n");
        for (ClassificationMetrics.PerClass c : metrics.perClass()) {
            b.append("| ").append(c.index()).append(" | ").append(Reports.cell(c.name()))
                    .append(" | ").append(c.images()).append(" | ").append(c.top1Correct())
                    .append(" | ")
                    .append(c.excludedFromMean() ? "n/a (no images)" : Reports.percent(c.accuracy()))
                    .append(" |\n");
        }
        if (!metrics.mostConfused().isEmpty()) {
            b.append("\n## Most confused\n\n| true | predicted | images |\n|---|---|---:|\n");
            for (ClassificationMetrics.ConfusedPair p : metrics.mostConfused()) {
                b.append("| ").append(Reports.cell(p.trueName())).append(" | ")
                        .append(Reports.cell(p.predictedName())).append(" | ").append(p.count())
                        .append(" |\n");
            }
        }
        return b.toString();
    }
}
