package org.siglip4j.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.siglip4j.core.processing.Siglip2ImageProcessor;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

import java.util.List;

/**
 * Collates image-text batches for contrastive training: stacks the images, tokenizes the
 * captions with the model's tokenizer (in {@link #prepare}, on the loader's thread when the
 * trainer's loader runs it) and builds the matrix of positives from the groups.
 *
 * <p>Images are either fixed-size {@code [n, 3, H, W]} pixel values (SigLIP) or SigLIP 2 NaFlex
 * packed patch sequences, unpacked into {@code [pixel_values, pixel_attention_mask, spatial_shapes]}
 * and padded to the processor's {@code max_num_patches} with the padding masked out, as in HF.
 */
public final class ImageTextCollator implements Collator<ImageTextCollator.Tensors> {

    /**
     * One batch as the towers and the loss take it.
     *
     * @param images the image tower's inputs: {@code [pixel_values]}, or NaFlex's three arrays
     * @param inputIds token ids [n, T]
     * @param positives the label matrix [n, n] (1 where image i and text j belong together), or
     *     {@code null} when every pair is only its own positive (the identity)
     */
    public record Tensors(NDList images, NDArray inputIds, NDArray positives) {}

    private final SiglipTokenizer tokenizer;
    private final int height;
    private final int width;
    private final Siglip2ImageProcessor naflex;

    private ImageTextCollator(SiglipTokenizer tokenizer, int height, int width, Siglip2ImageProcessor naflex) {
        this.tokenizer = tokenizer;
        this.height = height;
        this.width = width;
        this.naflex = naflex;
    }

    /**
     * A collator of fixed-size images.
     *
     * @param tokenizer the model's tokenizer
     * @param height image height
     * @param width image width
     * @return the collator
     */
    public static ImageTextCollator fixedSize(SiglipTokenizer tokenizer, int height, int width) {
        return new ImageTextCollator(tokenizer, height, width, null);
    }

    /**
     * A collator of NaFlex packed patch sequences ({@link Siglip2ImageProcessor#pack}).
     *
     * @param tokenizer the model's tokenizer
     * @param images the processor that packed the images (its {@code max_num_patches} pads batches)
     * @return the collator
     */
    public static ImageTextCollator naflex(SiglipTokenizer tokenizer, Siglip2ImageProcessor images) {
        return new ImageTextCollator(tokenizer, 0, 0, images);
    }

    @Override
    public Tensors collate(BatchLoader.Batch batch, NDManager manager) {
        List<float[]> pixels = batch.pixels();
        NDList images = naflex != null ? naflex.unpack(pixels).toNDList(manager)
                : new NDList(manager.create(Collator.stack(pixels), new Shape(pixels.size(), 3, height, width)));
        NDArray ids = manager.create(prepare(batch).inputIds()); // int64 [n, maxLength]
        return new Tensors(images, ids, positives(batch.groups(), manager));
    }

    /** Tokenizes the captions (the tokenizer is thread-safe: ConcurrentTokenizationTest). */
    @Override
    public BatchLoader.Batch prepare(BatchLoader.Batch batch) {
        return batch.inputIds() != null ? batch : batch.withInputIds(tokenizer.encode(batch.texts()));
    }

    /**
     * The positives of a batch: pair (i, j) is positive when i == j or both belong to the same
     * non-null group. Returns null when every pair is its own group (the identity).
     *
     * @param groups the group of each record ({@code null}: its own caption only)
     * @param manager owner of the matrix
     * @return the [n, n] matrix, or null for the identity
     */
    public static NDArray positives(List<String> groups, NDManager manager) {
        int n = groups.size();
        float[] z = new float[n * n];
        boolean beyondDiagonal = false;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean pos = i == j || (groups.get(i) != null && groups.get(i).equals(groups.get(j)));
                z[i * n + j] = pos ? 1 : 0;
                beyondDiagonal |= pos && i != j;
            }
        }
        return beyondDiagonal ? manager.create(z, new Shape(n, n)) : null;
    }
}
