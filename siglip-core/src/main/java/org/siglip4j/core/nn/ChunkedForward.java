package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * Runs a forward pass whose rows (images or texts) are independent over a large batch in equal
 * chunks whose activations fit a {@link ComputePolicy} budget, the chunks' results concatenated:
 * the same values as one call over the whole batch, with a bounded working set. An execution
 * choice, so it lives beside the policy; the model classes only say how a row is computed.
 *
 * <p>A chunk's size is bounded by its largest activation, the MLP's [rows, tokens, intermediate]
 * float32 (attention computes its scores in groups of heads within a similar bound, see {@link
 * HeadGroupedAttention}). Inference keeps it within {@link ComputePolicy#inferenceChunkBytes()},
 * under glibc's 32 MiB mmap threshold, so it is served from memory {@link MallocTuning} keeps
 * mapped; fewer, larger chunks are faster since the large linear layers prepare each call at a
 * cost that does not shrink with the rows. Training uses {@link
 * ComputePolicy#trainingChunkBytes()}, smaller, since every chunk's activations stay alive until
 * the backward pass and larger blocks fragment glibc's heaps further.
 */
public final class ChunkedForward {
    private ChunkedForward() {}

    /**
     * Bytes of the largest activation one image of {@code pixelValues} [B, C, H, W] makes in the
     * vision tower (the MLP's tokens x intermediate, float32).
     *
     * @param vision the tower's config
     * @param pixelValues the batch
     * @return bytes per image
     */
    public static long imageRowBytes(SiglipVisionConfig vision, NDArray pixelValues) {
        Shape s = pixelValues.getShape();
        int patch = vision.patchSize();
        long tokens = s.dimension() == 4 ? (s.get(2) / patch) * (s.get(3) / patch) : 1;
        return Float.BYTES * tokens * vision.intermediateSize();
    }

    /**
     * Bytes of the largest activation one text of {@code inputIds} [B, L] makes in the text tower.
     *
     * @param text the tower's config
     * @param inputIds the batch
     * @return bytes per text
     */
    public static long textRowBytes(SiglipTextConfig text, NDArray inputIds) {
        long tokens = inputIds.getShape().dimension() == 2 ? inputIds.getShape().get(1) : 1;
        return Float.BYTES * tokens * text.intermediateSize();
    }

    /**
     * For inference: {@code body} over equal chunks of {@code input}'s rows (and the same rows of
     * {@code extra}), each chunk in its own sub-manager of the input's manager, the results moved
     * to that manager and concatenated; one call over the whole batch when it fits. Call it where
     * the input's manager is the call's (graph-free) scratch manager.
     *
     * @param policy the budgets ({@link ComputePolicy#inferenceChunkBytes()})
     * @param input the batch, rows first
     * @param extra a second input with the same rows (an attention mask), or null
     * @param bytesPerRow the largest activation of one row
     * @param body the computation of some rows: {@code (rows, extraRows or null) -> one result row each}
     * @return the results of all rows
     */
    public static NDArray inference(ComputePolicy policy, NDArray input, NDArray extra, long bytesPerRow,
            BinaryOperator<NDArray> body) {
        List<String> ranges = ranges(rows(input), bytesPerRow, policy.inferenceChunkBytes());
        if (ranges.size() == 1) {
            return body.apply(input, extra);
        }
        NDManager call = input.getManager();
        NDList parts = new NDList();
        for (String range : ranges) {
            try (NDManager chunk = call.newSubManager()) {
                NDArray in = input.get(range);
                in.attach(chunk);
                NDArray ex = null;
                if (extra != null) {
                    ex = extra.get(range);
                    ex.attach(chunk);
                }
                NDArray out = body.apply(in, ex);
                out.attach(call);
                parts.add(out);
            }
        }
        return NDArrays.concat(parts, 0);
    }

    /**
     * For training: {@code body} over equal chunks of {@code input}'s rows of at most {@link
     * ComputePolicy#trainingChunkBytes()} of activations each, the results concatenated. Nothing is
     * closed, since autograd needs every chunk's graph; the gain is that each chunk's tensors stay
     * under glibc's 32 MiB mmap threshold, so memory freed by one step's backward is reused by the
     * next step instead of being mapped and faulted in afresh (a ViT-B step at batch 32 allocates
     * [32, 196, 3072] tensors of 77 MB by the dozen otherwise).
     *
     * @param policy the budgets
     * @param input the batch, rows first
     * @param bytesPerRow the largest activation of one row
     * @param body the computation of some rows
     * @return the results of all rows
     */
    public static NDArray training(ComputePolicy policy, NDArray input, long bytesPerRow, UnaryOperator<NDArray> body) {
        List<String> ranges = ranges(rows(input), bytesPerRow, policy.trainingChunkBytes());
        if (ranges.size() == 1) {
            return body.apply(input);
        }
        NDList parts = new NDList();
        for (String range : ranges) {
            parts.add(body.apply(input.get(range)));
        }
        return NDArrays.concat(parts, 0);
    }

    /**
     * The row ranges ({@code "from:to"}) of the equal chunks a batch of {@code rows} is split into
     * so that no chunk holds more than the budget of activations; one range when it all fits.
     */
    static List<String> ranges(long rows, long bytesPerRow, long budget) {
        long maxRows = Math.max(1, budget / Math.max(1, bytesPerRow));
        long chunks = (rows + maxRows - 1) / maxRows; // equal chunks: 32 rows by at most 5 = 4 x 5 + 3 x 4
        List<String> ranges = new ArrayList<>();
        for (long c = 0; c < chunks; c++) {
            ranges.add(c * rows / chunks + ":" + (c + 1) * rows / chunks);
        }
        return ranges;
    }

    private static long rows(NDArray input) {
        return input.getShape().isScalar() ? 1 : input.getShape().get(0);
    }
}
