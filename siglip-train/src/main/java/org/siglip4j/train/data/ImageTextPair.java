package org.siglip4j.train.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One training record: an image and one or several captions that describe it.
 *
 * @param image the image file, or {@code null} for in-memory sources (see {@link PairSource})
 * @param captions at least one caption; a training step samples one of them
 * @param group records with the same non-null group (for example the class of a labelled
 *     folder) are positives for each other's captions in the sigmoid loss; {@code null} means the
 *     record matches only its own caption
 */
public record ImageTextPair(Path image, List<String> captions, String group) {
    /** Copies the caption list so the record stays immutable. */
    public ImageTextPair {
        captions = List.copyOf(captions);
    }

    /** A record that matches only its own captions. */
    public ImageTextPair(Path image, List<String> captions) {
        this(image, captions, null);
    }
}
