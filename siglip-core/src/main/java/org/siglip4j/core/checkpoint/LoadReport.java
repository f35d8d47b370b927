package org.siglip4j.core.checkpoint;

import java.util.List;

/**
 * What loading a checkpoint into a block found.
 *
 * @param loaded parameter names that were set
 * @param missing parameters the checkpoint lacks (left as they were)
 * @param unexpected checkpoint tensors no parameter takes
 * @param mismatched "name: checkpoint shape vs expected shape" for tensors of the wrong shape
 * @param ignored checkpoint tensors known to be unused by this model class (e.g. the vision MAP
 *     head in a {@code SiglipForImageClassification} checkpoint), skipped as HF does
 */
public record LoadReport(List<String> loaded, List<String> missing, List<String> unexpected,
        List<String> mismatched, List<String> ignored) {
    /** Copies the lists. */
    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
        ignored = List.copyOf(ignored);
    }

    /** True when every parameter was loaded and nothing unexpected or mis-shaped was found. */
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** A multi-line description of every problem. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (!missing.isEmpty()) {
            sb.append("\n  missing (").append(missing.size()).append("): ").append(String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            sb.append("\n  unexpected (").append(unexpected.size()).append("): ").append(String.join(", ", unexpected));
        }
        if (!mismatched.isEmpty()) {
            sb.append("\n  wrong shape (").append(mismatched.size()).append("): ").append(String.join("; ", mismatched));
        }
        return sb.toString();
    }
}
