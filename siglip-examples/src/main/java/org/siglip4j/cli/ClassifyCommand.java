package org.siglip4j.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.AutoSiglip;
import org.siglip4j.core.pipeline.ImageClassificationPipeline;
import org.siglip4j.core.pipeline.LabelScore;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code siglip classify --model M IMAGE... --labels a,b,c}. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Zero-shot image classification: score every image against every candidate label.",
            "Each label is put into the template, and its score is sigmoid(logit) as in Hugging Face's "
                    + "zero-shot-image-classification pipeline for SigLIP. Scores are independent per label "
                    + "(they do not sum to 1); labels are listed highest first.",
            "A fine-tuned classifier (a folder written by 'finetune --classification', config.json naming "
                    + "SiglipForImageClassification) needs no labels: its own (id2label) are scored with the "
                    + "softmax of its logits, as Hugging Face's image-classification pipeline."})
final class ClassifyCommand extends SiglipCommand {
    @Mixin
    ModelOptions modelOptions;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
    LabelSource labelSource;

    /** Where the candidate labels come from: exactly one of the two options. */
    static final class LabelSource {
        @Option(names = {"-l", "--labels"}, required = true, split = ",", paramLabel = "LABEL",
                description = "Candidate labels, comma-separated (the option may be repeated); no duplicates.")
        List<String> labels;

        @Option(names = "--labels-file", required = true, paramLabel = "FILE",
                description = "Candidate labels, one per line (UTF-8; blank lines skipped), so a label may contain commas.")
        Path labelsFile;

        List<String> read() {
            return labels != null ? labels : LabelsFile.read(labelsFile);
        }
    }

    @Option(names = {"-t", "--template"}, paramLabel = "TEMPLATE", defaultValue = ZeroShotImageClassifier.DEFAULT_TEMPLATE,
            description = "Hypothesis template; {} is replaced by each label (default: \"${DEFAULT-VALUE}\").")
    String template;

    @Option(names = {"-k", "--top"}, paramLabel = "K",
            description = "Show only the K best labels per image (default: all).")
    Integer top;

    @Option(names = "--json", description = "Print JSON: [{\"image\": ..., \"results\": [{\"label\": ..., "
            + "\"score\": ...}, ...]}, ...].")
    boolean json;

    @Override
    public Integer call() {
        modelOptions.validate(spec);
        if (top != null && top < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--top must be at least 1, got " + top);
        }
        List<String> candidates = labelSource == null ? null : candidates(); // validated before the model loads
        ModelOptions.checkFilesExist(images);
        Path dir = modelOptions.resolve(spec);
        if (AutoSiglip.isImageClassifier(dir)) {
            if (labelSource != null) {
                throw new SiglipException("the model " + dir + " is a fine-tuned classifier with its own labels "
                        + "(id2label); drop --labels/--labels-file");
            }
            List<List<LabelScore>> results;
            try (ImageClassificationPipeline pipeline = modelOptions.loadClassifier(dir);
                    ProgressBars.Bar bar = modelOptions.imageProgress(spec, images.size())) {
                results = pipeline.classify(images, bar);
            }
            print(results);
            return 0;
        }
        if (candidates == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required argument: "
                    + "--labels=LABEL[,LABEL...] or --labels-file=FILE (the model is a zero-shot SigLIP)");
        }
        List<List<LabelScore>> results;
        try (SiglipPipeline pipeline = modelOptions.load(dir);
                ProgressBars.Bar bar = modelOptions.imageProgress(spec, images.size())) {
            results = new ZeroShotImageClassifier(pipeline).classify(images, candidates, template, bar);
        }
        print(results);
        return 0;
    }

    private List<String> candidates() {
        List<String> candidates = new ArrayList<>();
        for (String l : labelSource.read()) {
            candidates.add(l.strip());
        }
        if (candidates.stream().allMatch(String::isEmpty)) {
            candidates.clear(); // --labels "" means no labels, reported as such
        }
        ZeroShotImageClassifier.hypotheses(candidates, template);
        return candidates;
    }

    private void print(List<List<LabelScore>> results) {
        int labelCount = results.get(0).size();
        int k = top == null ? labelCount : Math.min(top, labelCount);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(toJson(results, k));
        } else {
            int width = results.get(0).stream().mapToInt(s -> s.label().length()).max().orElse(0);
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i));
                for (LabelScore s : results.get(i).subList(0, k)) {
                    out.printf(Locale.ROOT, "  %-" + width + "s  %.6f%n", s.label(), s.score());
                }
            }
        }
        out.flush();
    }

    private String toJson(List<List<LabelScore>> results, int k) {
        JsonArray all = new JsonArray();
        for (int i = 0; i < images.size(); i++) {
            JsonObject o = new JsonObject();
            o.addProperty("image", images.get(i).toString());
            JsonArray r = new JsonArray();
            for (LabelScore s : results.get(i).subList(0, k)) {
                JsonObject e = new JsonObject();
                e.addProperty("label", s.label());
                e.addProperty("score", s.score());
                r.add(e);
            }
            o.add("results", r);
            all.add(o);
        }
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(all);
    }
}
