package org.siglip4j.loss;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What {@link ShardedSigmoidLoss} returns: the full-batch loss and the gradients each device needs
 * to back-propagate through its own towers.
 *
 * <p>Trainer recipe (one GradientCollector for the whole step): run each device's towers, pass the
 * embedding shards here, then for every device i call {@code collector.backward(
 * result.towerSurrogate(i, imageEmbeds_i, textEmbeds_i))} and finally
 * {@code collector.backward(result.scaleBiasSurrogate(logitScale, logitBias))}: each surrogate's
 * gradient is exactly the full-batch gradient of the loss.
 *
 * @param loss the full-batch loss (sum of the per-device losses), scalar in the manager of image
 *     shard 0
 * @param perDeviceLoss each device's share of the loss (its image rows against all texts), in that
 *     device's image-shard manager; they sum to {@code loss}
 * @param gradImageEmbeds d loss / d image shard i, in the manager (and on the device) of image shard i
 * @param gradTextEmbeds d loss / d text shard i, in the manager (and on the device) of text shard i
 * @param gradLogitScale d loss / d t', shaped and placed like t'
 * @param gradLogitBias d loss / d b, shaped and placed like b
 */
public record ShardedLossResult(
        NDArray loss,
        List<NDArray> perDeviceLoss,
        List<NDArray> gradImageEmbeds,
        List<NDArray> gradTextEmbeds,
        NDArray gradLogitScale,
        NDArray gradLogitBias) {

    /** Copies the lists so the record cannot change under its holder. */
    public ShardedLossResult {
        perDeviceLoss = List.copyOf(perDeviceLoss);
        gradImageEmbeds = List.copyOf(gradImageEmbeds);
        gradTextEmbeds = List.copyOf(gradTextEmbeds);
    }

    /** Number of shards (devices). */
    public int shards() {
        return gradImageEmbeds.size();
    }

    /**
     * {@code sum(imageEmbeds * gradImage_i) + sum(textEmbeds * gradText_i)} on device i: backward of
     * this scalar sends exactly d loss / d embeddings into that device's towers.
     *
     * @param imageEmbeds the (graph-carrying) image embeddings of shard i
     * @param textEmbeds the (graph-carrying) text embeddings of shard i
     */
    public NDArray towerSurrogate(int shard, NDArray imageEmbeds, NDArray textEmbeds) {
        return imageEmbeds.mul(gradImageEmbeds.get(shard)).sum()
                .add(textEmbeds.mul(gradTextEmbeds.get(shard)).sum());
    }

    /** {@code sum(t' * dt') + sum(b * db)}: backward of it gives t' and b their gradients. */
    public NDArray scaleBiasSurrogate(NDArray logitScale, NDArray logitBias) {
        return logitScale.mul(gradLogitScale).sum().add(logitBias.mul(gradLogitBias).sum());
    }
}
