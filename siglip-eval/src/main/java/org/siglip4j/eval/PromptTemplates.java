package org.siglip4j.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * A named set of prompt templates, each containing the placeholder {@code {}} for the class name.
 *
 * <p>Built-in sets: {@link #SIMPLE} ({@code "a photo of a {}."}) and {@link #ENSEMBLE}, siglip4j's
 * own 48 templates (varied photo quality, framing, medium, size, setting). There is deliberately no
 * {@code clip80} set: CLIP's 80 ImageNet templates are not redistributed here, and a home-made set
 * under that name would be mistaken for them when numbers are compared with published ones. Users
 * who want CLIP's exact set can pass it as a template file.
 *
 * @param name the set's name, reported with results
 * @param templates the templates, in order, each containing {@code {}}
 */
public record PromptTemplates(String name, List<String> templates) {

    /** Name of the one-template set. */
    public static final String SIMPLE = "simple";
    /** Name of the project's own template ensemble. */
    public static final String ENSEMBLE = "ensemble";

    /** The placeholder a template must contain. */
    public static final String PLACEHOLDER = "{}";

    /**
     * Validates and freezes the templates.
     *
     * @param name the set's name
     * @param templates the templates
     */
    public PromptTemplates {
        if (name == null || name.isBlank()) {
            throw new SiglipException("a template set needs a name");
        }
        if (templates == null || templates.isEmpty()) {
            throw new SiglipException("template set '" + name + "' is empty: expected at least one"
                    + " template containing {}");
        }
        for (int i = 0; i < templates.size(); i++) {
            validate(templates.get(i), name + " template " + (i + 1));
        }
        templates = List.copyOf(templates);
    }

    /**
     * A built-in set by name ({@code simple} or {@code ensemble}), or a template file if {@code
     * nameOrFile} is neither.
     *
     * @param nameOrFile a built-in name or a path to a template file
     * @return the templates
     */
    public static PromptTemplates named(String nameOrFile) {
        switch (nameOrFile) {
            case SIMPLE:
                return simple();
            case ENSEMBLE:
                return ensemble();
            case "clip80":
                throw new SiglipException("template set 'clip80' is not shipped (CLIP's list is not"
                        + " redistributed here); use 'ensemble', 'simple' or a template file with one"
                        + " template per line");
            default:
                Path p = Path.of(nameOrFile);
                if (!Files.isRegularFile(p)) {
                    throw new SiglipException("unknown template set '" + nameOrFile
                            + "': expected 'simple', 'ensemble' or an existing template file");
                }
                return fromFile(p);
        }
    }

    /**
     * The single template {@code "a photo of a {}."}.
     *
     * @return the set named {@code simple}
     */
    public static PromptTemplates simple() {
        return new PromptTemplates(SIMPLE, List.of("a photo of a {}."));
    }

    /**
     * siglip4j's own 48-template ensemble.
     *
     * @return the set named {@code ensemble}
     */
    public static PromptTemplates ensemble() {
        try (InputStream in = PromptTemplates.class.getResourceAsStream("ensemble.txt")) {
            if (in == null) {
                throw new SiglipException("resource org/siglip4j/eval/ensemble.txt is missing from"
                        + " the siglip-eval jar");
            }
            return parse(ENSEMBLE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SiglipException("cannot read the built-in template ensemble", e);
        }
    }

    /**
     * Reads a template file: UTF-8, one template per line; blank lines and lines starting with
     * {@code #} are skipped. The set is named after the file.
     *
     * @param file the file
     * @return the templates
     */
    public static PromptTemplates fromFile(Path file) {
        try {
            return parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SiglipException("cannot read template file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses template text (see {@link #fromFile(Path)}); duplicates are an error because they
     * would silently weight one template twice in the average.
     *
     * @param name the set's name, also used in error messages
     * @param text the file content
     * @return the templates
     */
    public static PromptTemplates parse(String name, String text) {
        List<String> out = new ArrayList<>();
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            validate(line, name + " line " + (i + 1));
            if (!seen.add(line)) {
                throw new SiglipException(name + " line " + (i + 1) + ": duplicate template '"
                        + line + "'");
            }
            out.add(line);
        }
        if (out.isEmpty()) {
            throw new SiglipException("template set " + name + " has no templates: expected one"
                    + " template per line, each containing {}");
        }
        return new PromptTemplates(name, out);
    }

    private static void validate(String template, String where) {
        if (template == null || !template.contains(PLACEHOLDER)) {
            throw new SiglipException(where + ": template '" + template
                    + "' has no {} placeholder for the class name");
        }
        String rest = template.replace(PLACEHOLDER, "");
        if (rest.contains("{") || rest.contains("}")) {
            throw new SiglipException(where + ": template '" + template
                    + "' has a brace other than the {} placeholder (named fields like {c} are not"
                    + " supported)");
        }
    }

    /**
     * Fills every template with a class name.
     *
     * @param className the class name
     * @return one text per template, in template order
     */
    public List<String> fill(String className) {
        List<String> out = new ArrayList<>(templates.size());
        for (String t : templates) {
            out.add(t.replace(PLACEHOLDER, className));
        }
        return out;
    }

    /**
     * The number of templates.
     *
     * @return the size of the set
     */
    public int size() {
        return templates.size();
    }
}
