package org.siglip4j.loss;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.nn.DeviceCopy;

/**
 * The sigmoid loss of a batch sharded over k devices, exactly (same value and gradients as the
 * full batch), with O(n/k x n/k) logits per device.
 *
 * <p>Shard i (images x_i, texts y_i, on device i) first scores its positive block (x_i, y_i);
 * then the text shards travel around the ring of devices, one hop per step, and device i adds the
 * negative-only loss of x_i against each visiting y_j. With {@link Exchange#RING_BIDIRECTIONAL}
 * shards travel both ways at once, so ceil((k-1)/2) steps see all k-1 foreign shards (open_clip's
 * {@code SigLipLoss(bidir=True)} schedule). Every pair (i, j) is scored exactly once, on the
 * device of image i, and the loss is normalised by the total number of images, so the per-device
 * losses sum to the full-batch loss.
 *
 * <p>Gradients: the loss is differentiated analytically (no autograd graph, hence no
 * GradientCollector and no graph cut by device copies). d loss / d y_j of a visiting shard
 * travels with it around the ring (each device adds its part) and is sent home after the last
 * step, where it joins the home device's own part. d loss / dt' and db are summed over devices
 * (an all-reduce of two scalars). See {@link ShardedLossResult} for how a trainer back-propagates.
 *
 * <p>Devices are the devices of the given shards: real GPUs ({@code Device.gpu(i)}) or, on a
 * machine without them, k "logical devices" = arrays in k different managers on the CPU, where a
 * transfer is a detached copy into the receiving manager. Work runs on the calling thread.
 */
public final class ShardedSigmoidLoss {

    /** How text shards reach the image shards of other devices. */
    public enum Exchange {
        /** Ring, shards travel left and right at once: ceil((k-1)/2) steps (default). */
        RING_BIDIRECTIONAL,
        /** Ring, one direction: k-1 steps. */
        RING,
        /** Every device receives every text shard at once (baseline; O(n d) memory per device). */
        ALL_GATHER
    }

    private final Exchange exchange;
    private final int chunkSize;
    private final double maxLogitScale;

    private ShardedSigmoidLoss(Builder b) {
        this.exchange = b.exchange;
        this.chunkSize = b.chunkSize;
        this.maxLogitScale = b.maxLogitScale;
    }

    /** Builder: ring-bidirectional, no chunking inside a block, no bound on exp(t'). */
    public static Builder builder() {
        return new Builder();
    }

    /** The exchange pattern. */
    public Exchange getExchange() {
        return exchange;
    }

    /** The loss with the identity pairing (image r of shard i matches text r of shard i). */
    public ShardedLossResult compute(List<NDArray> imageShards, List<NDArray> textShards, NDArray logitScale,
            NDArray logitBias) {
        return compute(imageShards, textShards, logitScale, logitBias, null);
    }

    /**
     * The loss and its gradients.
     *
     * @param imageShards image embeddings of each device, n_i x d (L2-normalised)
     * @param textShards text embeddings of each device, m_i x d (n_i == m_i without labels)
     * @param logitScale t', one element, on any device
     * @param logitBias b, one element, on any device
     * @param labels optional global 0/1 matrix (sum n_i) x (sum m_i), rows and columns in shard
     *     order, on any device; null for the identity pairing (then off-diagonal blocks hold only
     *     negatives)
     */
    public ShardedLossResult compute(List<NDArray> imageShards, List<NDArray> textShards, NDArray logitScale,
            NDArray logitBias, NDArray labels) {
        int k = imageShards.size();
        if (k == 0 || textShards.size() != k) {
            throw new SiglipException("sharded sigmoid loss: need one image and one text shard per device, got "
                    + imageShards.size() + " image and " + textShards.size() + " text shards");
        }
        int[] rowStart = new int[k + 1];
        int[] colStart = new int[k + 1];
        for (int i = 0; i < k; i++) {
            NDArray x = imageShards.get(i);
            NDArray y = textShards.get(i);
            if (!x.getDevice().equals(y.getDevice())) {
                throw new SiglipException("sharded sigmoid loss: image shard " + i + " is on " + x.getDevice()
                        + " but text shard " + i + " on " + y.getDevice());
            }
            SigmoidLoss.checkInputs(x, y, logitScale, logitBias, labels == null);
            rowStart[i + 1] = rowStart[i] + Math.toIntExact(x.getShape().get(0));
            colStart[i + 1] = colStart[i] + Math.toIntExact(y.getShape().get(0));
        }
        if (labels != null && (labels.getShape().dimension() != 2 || labels.getShape().get(0) != rowStart[k]
                || labels.getShape().get(1) != colStart[k])) {
            throw new SiglipException("sharded sigmoid loss: label matrix must be (" + rowStart[k] + ", "
                    + colStart[k] + "), got " + labels.getShape());
        }
        double t = SigmoidLoss.scalar(logitScale, "logitScale");
        double logMax = Math.log(maxLogitScale);
        double scale = Math.exp(Math.min(t, logMax));
        double bias = SigmoidLoss.scalar(logitBias, "logitBias");
        double invN = 1.0 / rowStart[k];

        List<NDManager> scratch = new ArrayList<>(k);
        try {
            List<NDArray> x = new ArrayList<>(k);
            List<NDArray> y = new ArrayList<>(k);
            List<NDArray> gyHome = new ArrayList<>(k);
            List<PairwiseSigmoid.Accumulator> acc = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                NDManager s = imageShards.get(i).getManager().newSubManager();
                scratch.add(s);
                x.add(SigmoidLoss.detachedInto(imageShards.get(i), s));
                y.add(SigmoidLoss.detachedInto(textShards.get(i), s));
                gyHome.add(y.get(i).zerosLike());
                acc.add(new PairwiseSigmoid.Accumulator(x.get(i)));
            }
            Blocks blocks = new Blocks(x, scale, bias, invN, labels, rowStart, colStart, scratch, acc);
            for (int i = 0; i < k; i++) {
                blocks.add(i, i, y.get(i), gyHome.get(i));
            }
            if (exchange == Exchange.ALL_GATHER) {
                allGather(k, y, gyHome, blocks, scratch);
            } else {
                ring(k, y, gyHome, blocks, scratch);
            }
            return collect(imageShards, textShards, logitScale, logitBias, acc, gyHome, scale, t > logMax, invN);
        } finally {
            for (NDManager s : scratch) {
                s.close();
            }
        }
    }

    private void allGather(int k, List<NDArray> y, List<NDArray> gyHome, Blocks blocks, List<NDManager> scratch) {
        for (int i = 0; i < k; i++) {
            // Device i holds every foreign text shard at once, as after a real all-gather.
            List<NDArray> gathered = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                gathered.add(j == i ? null : transfer(y.get(j), scratch.get(i)));
            }
            for (int j = 0; j < k; j++) {
                if (j == i) {
                    continue;
                }
                NDArray gy = gathered.get(j).zerosLike();
                blocks.add(i, j, gathered.get(j), gy);
                // Reduce-scatter of the text gradients: each part goes home.
                gyHome.get(j).addi(transfer(gy, scratch.get(j)));
                gathered.get(j).close();
                gy.close();
            }
        }
    }

    /** A text shard on its way around the ring, with the gradient its hosts have added so far. */
    private record Travelling(int shard, NDArray embeds, NDArray grad) {}

    private void ring(int k, List<NDArray> y, List<NDArray> gyHome, Blocks blocks, List<NDManager> scratch) {
        int bidirSteps = exchange == Exchange.RING_BIDIRECTIONAL ? (k - 1) / 2 : 0;
        int oneWaySteps = (k - 1) - 2 * bidirSteps;
        List<Travelling> right = new ArrayList<>(k);
        List<Travelling> left = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            right.add(new Travelling(i, y.get(i), null));
            left.add(new Travelling(i, y.get(i), null));
        }
        for (int step = 0; step < bidirSteps + oneWaySteps; step++) {
            right = hop(right, +1, scratch, step == 0);
            if (step < bidirSteps) {
                left = hop(left, -1, scratch, step == 0);
            }
            for (int i = 0; i < k; i++) {
                right.set(i, visit(i, right.get(i), blocks));
                if (step < bidirSteps) {
                    left.set(i, visit(i, left.get(i), blocks));
                }
            }
        }
        if (k > 1) {
            sendHome(right, gyHome, scratch);
        }
        if (bidirSteps > 0) {
            sendHome(left, gyHome, scratch);
        }
    }

    private static Travelling visit(int device, Travelling t, Blocks blocks) {
        NDArray grad = t.grad() != null ? t.grad() : t.embeds().zerosLike();
        blocks.add(device, t.shard(), t.embeds(), grad);
        return new Travelling(t.shard(), t.embeds(), grad);
    }

    /** One synchronous ring step: device i sends its item to device i + direction. */
    private static List<Travelling> hop(List<Travelling> items, int direction, List<NDManager> scratch,
            boolean firstHop) {
        int k = items.size();
        List<Travelling> next = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            Travelling from = items.get(Math.floorMod(i - direction, k));
            NDManager to = scratch.get(i);
            next.add(new Travelling(from.shard(), transfer(from.embeds(), to),
                    from.grad() == null ? null : transfer(from.grad(), to)));
        }
        if (!firstHop) { // the home copies of step 0 are the devices' own text shards: keep them
            for (Travelling t : items) {
                t.embeds().close();
                if (t.grad() != null) {
                    t.grad().close();
                }
            }
        }
        return next;
    }

    private static void sendHome(List<Travelling> items, List<NDArray> gyHome, List<NDManager> scratch) {
        for (Travelling t : items) {
            if (t.grad() != null) {
                NDArray back = transfer(t.grad(), scratch.get(t.shard()));
                gyHome.get(t.shard()).addi(back);
                back.close();
            }
        }
    }

    private ShardedLossResult collect(List<NDArray> imageShards, List<NDArray> textShards, NDArray logitScale,
            NDArray logitBias, List<PairwiseSigmoid.Accumulator> acc, List<NDArray> gyHome, double scale,
            boolean clamped, double invN) {
        int k = acc.size();
        NDManager lossHome = imageShards.get(0).getManager();
        List<NDArray> perDevice = new ArrayList<>(k);
        List<NDArray> gx = new ArrayList<>(k);
        List<NDArray> gy = new ArrayList<>(k);
        double scaleSum = 0;
        double biasSum = 0;
        double lossSum = 0;
        for (int i = 0; i < k; i++) {
            PairwiseSigmoid.Accumulator a = acc.get(i);
            NDArray li = a.lossSum.mul(invN).toType(a.lossSum.getDataType(), false); // 0-d * double -> f64
            li.attach(imageShards.get(i).getManager());
            perDevice.add(li);
            // The all-reduce of the three scalars: tiny, so it goes through the host.
            lossSum += SigmoidLoss.scalar(li, "loss");
            scaleSum += SigmoidLoss.scalar(a.scaleSum, "scale gradient");
            biasSum += SigmoidLoss.scalar(a.biasSum, "bias gradient");
            a.gradX.attach(imageShards.get(i).getManager());
            gx.add(a.gradX);
            gyHome.get(i).attach(textShards.get(i).getManager());
            gy.add(gyHome.get(i));
        }
        NDArray loss = SigmoidLoss.constant(lossHome, lossSum, new Shape(), imageShards.get(0).getDataType());
        NDArray gt = SigmoidLoss.constant(logitScale.getManager(), clamped ? 0 : scaleSum * scale,
                logitScale.getShape(), logitScale.getDataType());
        NDArray gb = SigmoidLoss.constant(logitBias.getManager(), biasSum, logitBias.getShape(),
                logitBias.getDataType());
        return new ShardedLossResult(loss, perDevice, gx, gy, gt, gb);
    }

    /**
     * The device transfer: a copy without autograd history on {@code target}'s device, owned by it
     * ({@link DeviceCopy#detached}).
     */
    static NDArray transfer(NDArray a, NDManager target) {
        return DeviceCopy.detached(a, target.getDevice(), target);
    }

    /** Scores block (image shard i, text shard j) on device i. */
    private final class Blocks {
        private final List<NDArray> x;
        private final double scale;
        private final double bias;
        private final double invN;
        private final NDArray labels;
        private final int[] rowStart;
        private final int[] colStart;
        private final List<NDManager> scratch;
        private final List<PairwiseSigmoid.Accumulator> acc;

        Blocks(List<NDArray> x, double scale, double bias, double invN, NDArray labels, int[] rowStart,
                int[] colStart, List<NDManager> scratch, List<PairwiseSigmoid.Accumulator> acc) {
            this.x = x;
            this.scale = scale;
            this.bias = bias;
            this.invN = invN;
            this.labels = labels;
            this.rowStart = rowStart;
            this.colStart = colStart;
            this.scratch = scratch;
            this.acc = acc;
        }

        void add(int i, int j, NDArray textShard, NDArray gradText) {
            NDArray labelBlock = null;
            PairwiseSigmoid.Signs signs;
            if (labels != null) {
                NDArray view = labels.get("{}:{}, {}:{}", rowStart[i], rowStart[i + 1], colStart[j], colStart[j + 1]);
                labelBlock = transfer(view, scratch.get(i));
                view.close();
                signs = PairwiseSigmoid.Signs.labels(labelBlock);
            } else {
                signs = i == j ? PairwiseSigmoid.Signs.diagonal(0) : PairwiseSigmoid.Signs.NEGATIVE;
            }
            PairwiseSigmoid.accumulate(x.get(i), textShard, scale, bias, signs, chunkSize, invN, acc.get(i), gradText);
            if (labelBlock != null) {
                labelBlock.close();
            }
        }
    }

    /** Builder of {@link ShardedSigmoidLoss}; every setting is optional. */
    public static final class Builder {
        private Exchange exchange = Exchange.RING_BIDIRECTIONAL;
        private int chunkSize;
        private double maxLogitScale = Double.POSITIVE_INFINITY;

        Builder() {}

        /** The exchange pattern (default {@link Exchange#RING_BIDIRECTIONAL}). */
        public Builder optExchange(Exchange exchange) {
            this.exchange = exchange;
            return this;
        }

        /** Texts per tile inside each block (0: whole block), bounding memory at O(n_i x chunk). */
        public Builder optChunkSize(int chunkSize) {
            this.chunkSize = chunkSize;
            return this;
        }

        /** Bound on exp(t') (see {@link SigmoidLoss.Builder#optMaxLogitScale}). */
        public Builder optMaxLogitScale(double maxLogitScale) {
            this.maxLogitScale = maxLogitScale;
            return this;
        }

        /** Validates and builds. */
        public ShardedSigmoidLoss build() {
            if (exchange == null) {
                throw new SiglipException("ShardedSigmoidLoss exchange must not be null");
            }
            if (chunkSize < 0) {
                throw new SiglipException("ShardedSigmoidLoss chunkSize must be >= 0, got " + chunkSize);
            }
            if (!(maxLogitScale > 0)) {
                throw new SiglipException("ShardedSigmoidLoss maxLogitScale must be > 0, got " + maxLogitScale);
            }
            return new ShardedSigmoidLoss(this);
        }
    }
}
