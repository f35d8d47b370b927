package org.siglip4j.core.pipeline;

import java.util.AbstractList;
import java.util.List;
import org.siglip4j.core.processing.RgbImage;

/** A batch of inputs decoded on access, so that the image processor decodes a batch in parallel. */
final class LazyImages extends AbstractList<RgbImage> {
    private final List<ImageInput> batch;

    LazyImages(List<ImageInput> batch) {
        this.batch = batch;
    }

    @Override
    public RgbImage get(int i) {
        return batch.get(i).load();
    }

    @Override
    public int size() {
        return batch.size();
    }
}
