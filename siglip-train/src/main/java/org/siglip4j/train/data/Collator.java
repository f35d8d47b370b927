package org.siglip4j.train.data;

import ai.djl.ndarray.NDManager;

/**
 * The collate step between the {@link BatchLoader} and a training step: turns one loaded batch
 * (decoded pixels, caption strings, group names) into the tensors the step's forward pass takes,
 * as a PyTorch {@code collate_fn} does. Tokenization, image stacking and label lookup happen here,
 * never inside the step.
 *
 * @param <T> the tensors of one batch
 */
@FunctionalInterface
public interface Collator<T> {

    /**
     * Makes the tensors of a batch.
     *
     * @param batch the loaded batch
     * @param manager owner of the tensors (the step's manager)
     * @return the batch's tensors
     */
    T collate(BatchLoader.Batch batch, NDManager manager);

    /**
     * Stacks channels-first images of one size into one array of {@code n x values}.
     *
     * @param images the images
     * @return the stacked values
     * @throws org.siglip4j.core.SiglipException if two images differ in size
     */
    static float[] stack(java.util.List<float[]> images) {
        int per = images.get(0).length;
        float[] out = new float[images.size() * per];
        for (int i = 0; i < images.size(); i++) {
            if (images.get(i).length != per) {
                throw new org.siglip4j.core.SiglipException("images of one batch differ in size: " + per + " vs "
                        + images.get(i).length + " values");
            }
            System.arraycopy(images.get(i), 0, out, i * per, per);
        }
        return out;
    }
}
