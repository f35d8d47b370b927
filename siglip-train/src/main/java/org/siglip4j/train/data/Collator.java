package org.siglip4j.train.data;

import ai.djl.ndarray.NDManager;

/**
 * The collate step between the {@link BatchLoader} and a training step: turns one loaded batch
 * (decoded pixels, caption strings, group names) into the tensors the step's forward pass takes,
 * as a PyTorch {@code collate_fn} does. In two parts: {@link #prepare}, the work that needs no
 * tensors (tokenization), which the trainer's loader runs on its own thread ahead of the step, and
 * {@link #collate}, which makes the tensors in the step's manager (image stacking, label lookup,
 * the token ids as an array).
 *
 * @param <T> the tensors of one batch
 */
@FunctionalInterface
public interface Collator<T> {

    /**
     * The part of collating that needs no tensors, done before the step on a loader thread; the
     * default does nothing. Must be thread-safe, and {@link #collate} must give the same tensors
     * whether or not it ran.
     *
     * @param batch the loaded batch
     * @return the batch with that work done
     */
    default BatchLoader.Batch prepare(BatchLoader.Batch batch) {
        return batch;
    }

    /**
     * Makes the tensors of a batch (running {@link #prepare} first if the loader did not).
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
