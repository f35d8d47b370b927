package org.siglip4j.train.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One training record: an image file and one or several captions that describe it.
 *
 * @param image the image file
 * @param captions at least one caption; a training step samples one of them
 */
public record ImageTextPair(Path image, List<String> captions) {
    /** Copies the caption list so the record stays immutable. */
    public ImageTextPair {
        captions = List.copyOf(captions);
    }
}
