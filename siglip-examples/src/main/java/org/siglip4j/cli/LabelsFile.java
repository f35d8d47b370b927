package org.siglip4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;

/** A labels file: one label per line, so that a label may contain a comma. */
final class LabelsFile {
    private LabelsFile() {}

    /**
     * Reads the labels of a file.
     *
     * @param file UTF-8 text, one label per line; surrounding blanks are stripped and blank lines skipped
     * @return the labels in file order
     */
    static List<String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new SiglipException("labels file not found: " + file);
        }
        List<String> labels = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String label = line.strip();
                if (!label.isEmpty()) {
                    labels.add(label);
                }
            }
        } catch (IOException e) {
            throw new SiglipException("cannot read labels file " + file + ": " + e.getMessage(), e);
        }
        if (labels.isEmpty()) {
            throw new SiglipException("labels file " + file + " has no labels: write one label per line");
        }
        return labels;
    }
}
