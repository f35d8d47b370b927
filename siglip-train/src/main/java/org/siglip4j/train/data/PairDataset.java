package org.siglip4j.train.data;

import java.util.List;

/**
 * Image-text pairs read from a source, with the records that were skipped while reading it and
 * why. Nothing bad is fatal: a missing image or an empty caption is counted and reported instead.
 *
 * @param pairs the usable records, in source order
 * @param skipped one human-readable line per skipped record ("line 7: image x.jpg not found")
 */
public record PairDataset(List<ImageTextPair> pairs, List<String> skipped) {
    /** Copies the lists so the record stays immutable. */
    public PairDataset {
        pairs = List.copyOf(pairs);
        skipped = List.copyOf(skipped);
    }

    /** The number of usable pairs. */
    public int size() {
        return pairs.size();
    }
}
