package org.siglip4j.loss;

import org.siglip4j.core.model.SiglipLogits;
import org.siglip4j.core.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/**
 * The analytic kernel shared by the chunked and the sharded forms: for one block of images x
 * against one block of texts y it adds the block's loss sum and its gradients into accumulators,
 * column chunk by column chunk, so that at most an (rows x chunk) logit tile is alive at a time.
 *
 * <p>With u = z * logits and L = invN * sum softplus(-u), dL/dlogits = -z * sigmoid(-u) * invN =: G,
 * so dL/dx = s G y, dL/dy = s G^T x, dL/dt' = s sum(G . x y^T) and dL/db = sum(G).
 */
final class PairwiseSigmoid {

    /** Where the positive pairs of a block are, column chunk by column chunk. */
    interface Signs {
        /**
         * The label signs z (+1 positive, -1 negative) of columns [from, to) of the block, in the
         * manager of {@code like} and its data type, or null when every pair there is negative.
         */
        NDArray columns(NDArray like, int rows, int from, int to);

        /** No positive pair in the block (an off-diagonal block of the sharded loss). */
        Signs NEGATIVE = (like, rows, from, to) -> null;

        /** Positives where column == row + offset (offset 0: the matching pairs of a batch). */
        static Signs diagonal(int offset) {
            return (like, rows, from, to) -> {
                int k = offset - from; // local column of row r's positive is r + k
                if (k >= to - from || k + rows <= 0) {
                    return null;
                }
                NDArray r = like.getManager().arange(0, rows, 1, DataType.INT64).reshape(rows, 1).add(k);
                NDArray c = like.getManager().arange(0, to - from, 1, DataType.INT64).reshape(1, to - from);
                return r.eq(c).toType(like.getDataType(), false).mul(2).sub(1);
            };
        }

        /** Signs from a 0/1 (or boolean) label matrix with the block's rows and columns. */
        static Signs labels(NDArray labels) {
            return (like, rows, from, to) -> {
                NDArray block = labels.get(":, {}:{}", from, to).toType(like.getDataType(), false);
                NDArray local = block.getDevice().equals(like.getDevice())
                        ? block : block.toDevice(like.getDevice(), false);
                local.attach(like.getManager());
                return local.mul(2).sub(1);
            };
        }
    }

    /** Running sums of one device: gradient of its images plus the three scalars. */
    static final class Accumulator {
        final NDArray gradX;
        final NDArray lossSum;
        final NDArray scaleSum; // sum G . (x y^T), times s at the end
        final NDArray biasSum;

        Accumulator(NDArray x) {
            gradX = x.zerosLike();
            lossSum = x.getManager().zeros(new ai.djl.ndarray.types.Shape(), x.getDataType());
            scaleSum = x.getManager().zeros(new ai.djl.ndarray.types.Shape(), x.getDataType());
            biasSum = x.getManager().zeros(new ai.djl.ndarray.types.Shape(), x.getDataType());
        }
    }

    private PairwiseSigmoid() {}

    /**
     * Adds block (x, y) into {@code acc} and d loss / d y into {@code gradY} (same shape as y).
     *
     * @param x image rows of this block (detached), n x d
     * @param y text rows of this block (detached), m x d, on x's device
     * @param scale s = exp(t') (already clamped)
     * @param bias b
     * @param signs label signs of the block
     * @param chunk columns per tile (<= 0: the whole block at once)
     * @param invN 1 / (number of images of the whole batch)
     */
    static void accumulate(NDArray x, NDArray y, double scale, double bias, Signs signs, int chunk,
            double invN, Accumulator acc, NDArray gradY) {
        int rows = Math.toIntExact(x.getShape().get(0));
        int cols = Math.toIntExact(y.getShape().get(0));
        int step = chunk <= 0 ? Math.max(cols, 1) : chunk;
        for (int from = 0; from < cols; from += step) {
            int to = Math.min(cols, from + step);
            // Every temporary of the tile dies with the scope; the accumulators are updated in place.
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray yc = (from == 0 && to == cols) ? y : y.get("{}:{}", from, to);
                NDArray dot = x.matMul(yc.transpose());
                NDArray logits = SiglipLogits.fromProducts(dot, scale, bias);
                NDArray z = signs.columns(x, rows, from, to);
                NDArray u = z == null ? logits.neg() : logits.mul(z);
                acc.lossSum.addi(softplusOfNegative(u).sum());
                // dL/dlogits = -z sigmoid(-u) / N; for an all-negative tile z = -1.
                NDArray sig = Activation.sigmoid(u.neg());
                NDArray g = (z == null ? sig : sig.mul(z).neg()).mul(invN);
                acc.gradX.addi(g.matMul(yc).mul(scale));
                NDArray gy = g.transpose().matMul(x).mul(scale);
                if (from == 0 && to == cols) {
                    gradY.addi(gy);
                } else {
                    NDArray target = gradY.get("{}:{}", from, to);
                    gradY.set(new ai.djl.ndarray.index.NDIndex("{}:{}", from, to), target.add(gy));
                }
                acc.scaleSum.addi(g.mul(dot).sum());
                acc.biasSum.addi(g.sum());
            }
        }
    }

    /**
     * softplus(-u) = -log sigmoid(u) = max(-u, 0) + log(1 + exp(-|u|)), finite for any |u|:
     * exp only ever sees a non-positive argument.
     */
    static NDArray softplusOfNegative(NDArray u) {
        // Scalars with native storage: autograd keeps them for the backward pass (see Scalars).
        return u.neg().maximum(Scalars.of(u, 0)).add(u.abs().neg().exp().add(Scalars.of(u, 1)).log());
    }
}
