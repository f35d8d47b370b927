package org.siglip4j.train.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Image-text pairs read from a source, with the records that were skipped while reading it and
 * why. Nothing bad is fatal: a missing image or an empty caption is counted and reported instead.
 *
 * @param pairs the usable records, in source order
 * @param skipped one human-readable line per skipped record ("line 7: image x.jpg not found")
 * @param missingImages the resolved paths of the image files that were not found, in source order
 *     (a subset of the skipped records, kept apart because a wrong base folder is the usual cause
 *     of an empty dataset and the user needs to see the path that was tried)
 */
public record PairDataset(List<ImageTextPair> pairs, List<String> skipped, List<Path> missingImages) {
    /** Copies the lists so the record stays immutable. */
    public PairDataset {
        pairs = List.copyOf(pairs);
        skipped = List.copyOf(skipped);
        missingImages = List.copyOf(missingImages);
    }

    /**
     * A dataset in which no image was missing (or whose source cannot tell).
     *
     * @param pairs the usable records
     * @param skipped the skipped records
     */
    public PairDataset(List<ImageTextPair> pairs, List<String> skipped) {
        this(pairs, skipped, List.of());
    }

    /** The number of usable pairs. */
    public int size() {
        return pairs.size();
    }

    /**
     * One sentence on the missing image files, for messages about a dataset that came out small.
     *
     * @return e.g. {@code "12 image files were not found, e.g. /data/imgs/a.jpg"}, or "" when none were missing
     */
    public String missingImagesNote() {
        if (missingImages.isEmpty()) {
            return "";
        }
        int n = missingImages.size();
        return String.format(Locale.ROOT, "%d image file%s not found, e.g. %s (paths are resolved against the "
                + "manifest's folder)", n, n == 1 ? " was" : "s were", missingImages.get(0).toAbsolutePath());
    }
}
