package org.siglip4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.core.pipeline.SimilarityMatrix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code siglip similarity --model M --image P... --text T...}. */
@Command(name = "similarity", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the image-text table of SigLIP probabilities sigmoid(logit), one row per image and "
                + "one column per text, each pair scored on its own.",
            "Columns are numbered; the texts are listed below the table."})
final class SimilarityCommand extends SiglipCommand {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-i", "--image"}, required = true, paramLabel = "IMAGE",
            description = "An image file (repeat the option for more).")
    List<Path> images;

    @Option(names = {"-t", "--text"}, required = true, paramLabel = "TEXT",
            description = "A text (repeat the option for more).")
    List<String> texts;

    @Option(names = "--logits", description = "Print the logits instead of the probabilities.")
    boolean logits;

    @Override
    public Integer call() {
        modelOptions.validate(spec);
        ModelOptions.checkFilesExist(images);
        SimilarityMatrix m;
        try (SiglipPipeline pipeline = modelOptions.load(spec);
                ProgressBars.Bar bar = modelOptions.imageProgress(spec, images.size())) {
            m = pipeline.similarity(images, texts, bar);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(table(images, texts, logits ? toDouble(m.logitsPerImage()) : m.probabilities(),
                logits ? "%.4f" : "%.6f"));
        out.flush();
        return 0;
    }

    /** Rows = images, columns = texts numbered t0, t1, ...; texts listed below. */
    static String table(List<Path> images, List<String> texts, double[][] values, String format) {
        String[] names = new String[images.size()];
        int nameWidth = "image".length();
        for (int i = 0; i < names.length; i++) {
            names[i] = images.get(i).toString();
            nameWidth = Math.max(nameWidth, names[i].length());
        }
        String[][] cells = new String[names.length][texts.size()];
        int[] widths = new int[texts.size()];
        for (int j = 0; j < texts.size(); j++) {
            widths[j] = ("t" + j).length();
            for (int i = 0; i < names.length; i++) {
                cells[i][j] = String.format(Locale.ROOT, format, values[i][j]);
                widths[j] = Math.max(widths[j], cells[i][j].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", "image"));
        for (int j = 0; j < texts.size(); j++) {
            sb.append("  ").append(String.format(Locale.ROOT, "%" + widths[j] + "s", "t" + j));
        }
        sb.append('\n');
        for (int i = 0; i < names.length; i++) {
            sb.append(String.format(Locale.ROOT, "%-" + nameWidth + "s", names[i]));
            for (int j = 0; j < texts.size(); j++) {
                sb.append("  ").append(String.format(Locale.ROOT, "%" + widths[j] + "s", cells[i][j]));
            }
            sb.append('\n');
        }
        sb.append('\n');
        for (int j = 0; j < texts.size(); j++) {
            sb.append("t").append(j).append(": ").append(texts.get(j).replace("\n", "\\n")).append('\n');
        }
        return sb.toString();
    }

    private static double[][] toDouble(float[][] a) {
        double[][] d = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            d[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                d[i][j] = a[i][j];
            }
        }
        return d;
    }
}
