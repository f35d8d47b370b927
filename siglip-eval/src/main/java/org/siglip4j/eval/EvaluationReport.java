package org.siglip4j.eval;

import java.nio.file.Path;

/**
 * An evaluation result that prints itself as Markdown and, through {@link Reports#GSON}, as
 * JSON; the JSON and file plumbing lives here once for every result record.
 */
public interface EvaluationReport {

    /**
     * A Markdown report of the result.
     *
     * @return Markdown text
     */
    String toMarkdown();

    /**
     * The result as pretty-printed JSON.
     *
     * @return JSON text
     */
    default String toJson() {
        return Reports.GSON.toJson(this);
    }

    /**
     * Writes {@link #toJson()} to a file.
     *
     * @param file the target
     */
    default void writeJson(Path file) {
        Reports.write(file, toJson() + "\n");
    }

    /**
     * Writes {@link #toMarkdown()} to a file.
     *
     * @param file the target
     */
    default void writeMarkdown(Path file) {
        Reports.write(file, toMarkdown());
    }
}
