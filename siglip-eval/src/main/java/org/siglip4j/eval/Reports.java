package org.siglip4j.eval;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.siglip4j.core.SiglipException;

/** Shared JSON and Markdown helpers for evaluation reports. */
public final class Reports {

    /** Pretty-printing Gson that writes {@code null} fields (e.g. a class without images). */
    public static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .disableHtmlEscaping()
            .create();

    private Reports() {}

    /**
     * Writes a UTF-8 text file, creating parent folders.
     *
     * @param file the target
     * @param text the content
     */
    public static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SiglipException("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts a Markdown report: its title and the model and preprocessing lines every report has.
     *
     * @param title the report title
     * @param model {@link EmbeddingModel#id()}
     * @param preprocessing {@link EmbeddingModel#preprocessingId()}
     * @return a builder holding the header
     */
    static StringBuilder header(String title, String model, String preprocessing) {
        StringBuilder b = new StringBuilder();
        b.append("# ").append(title).append("\n\n");
        b.append("- model: `").append(model).append("`\n");
        b.append("- preprocessing: `").append(preprocessing).append("`\n");
        return b;
    }

    /**
     * A fraction as a percentage with two decimals, e.g. {@code 0.75 -> "75.00"}.
     *
     * @param fraction the fraction, or {@code null}
     * @return the percentage, or {@code "n/a"} for {@code null}
     */
    public static String percent(Double fraction) {
        return fraction == null ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }

    /**
     * A number with the given decimals, locale-independent.
     *
     * @param v the value
     * @param decimals decimals
     * @return the text
     */
    public static String number(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /**
     * Escapes a cell for a Markdown table.
     *
     * @param s the text
     * @return the text with {@code |} escaped and line breaks folded
     */
    public static String cell(String s) {
        return s.replace("|", "\\|").replaceAll("\\R", " ");
    }
}
