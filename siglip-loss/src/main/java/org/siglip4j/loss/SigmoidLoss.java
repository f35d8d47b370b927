package org.siglip4j.loss;

import org.siglip4j.core.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipLogits;

/**
 * SigLIP's pairwise sigmoid loss (Zhai et al. 2023, eq. 1): for L2-normalised image embeddings x
 * (n x d), text embeddings y (m x d), logits = exp(t') x y^T + b and labels z = +1 for matching
 * pairs, -1 otherwise,
 *
 * <pre>loss = -(1/n) sum_ij log sigmoid(z_ij * logits_ij) = (1/n) sum_ij softplus(-z_ij logits_ij)</pre>
 *
 * <p>As a DJL {@link Loss} the predictions are {@code NDList(imageEmbeds, textEmbeds, logitScale,
 * logitBias)} (what {@link LogitScaleBias} outputs), t' and b as arrays of one element. The labels
 * may be empty (image i matches text i), one 0/1 matrix (n x m, several positives per row allowed),
 * or group ids (one 1-D array shared by both sides when n == m, or two: image ids, text ids) where
 * equal ids are positives.
 *
 * <p>Two evaluation modes give the same value and gradients: {@linkplain Builder#optChunkSize
 * chunk size} 0 builds the whole n x m graph for DJL autograd; a positive chunk size computes value
 * and gradients tile by tile (peak memory O(n x chunk)) and hands autograd a surrogate whose
 * gradient is exactly the analytic one (see {@link #chunkedLoss}).
 */
public class SigmoidLoss extends Loss {

    /** The paper's initial temperature t' = log 10. */
    public static final double DEFAULT_LOGIT_SCALE = SiglipLogits.INIT_LOGIT_SCALE;
    /** The paper's initial bias b = -10. */
    public static final double DEFAULT_LOGIT_BIAS = SiglipLogits.INIT_LOGIT_BIAS;

    private final double maxLogitScale;
    private final int chunkSize;
    private final Map<String, Double> totals = new ConcurrentHashMap<>();
    private final Map<String, Long> counts = new ConcurrentHashMap<>();

    SigmoidLoss(Builder builder) {
        super(builder.name);
        this.maxLogitScale = builder.maxLogitScale;
        this.chunkSize = builder.chunkSize;
    }

    /** A builder with the defaults: name "SigmoidLoss", no bound on exp(t'), no chunking. */
    public static Builder builder() {
        return new Builder();
    }

    /** The bound on exp(t') or +infinity. */
    public double getMaxLogitScale() {
        return maxLogitScale;
    }

    /** Columns per tile, 0 for the plain autograd form. */
    public int getChunkSize() {
        return chunkSize;
    }

    /**
     * The mean loss of a batch (a scalar), differentiable through DJL autograd w.r.t. the
     * embeddings, t' and b.
     *
     * @param labels see {@link SigmoidLoss}; predictions {@code (imageEmbeds, textEmbeds,
     *     logitScale, logitBias)}
     */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() != 4) {
            throw new SiglipException("SigmoidLoss expects predictions (imageEmbeds, textEmbeds, logitScale,"
                    + " logitBias), got " + predictions.size() + " arrays");
        }
        NDArray x = predictions.get(0);
        NDArray y = predictions.get(1);
        NDArray labelMatrix = labelMatrix(labels, x, y);
        return loss(x, y, predictions.get(2), predictions.get(3), labelMatrix);
    }

    /**
     * This loss's form (plain or chunked, with this instance's bound on exp(t')) on raw arrays.
     *
     * @param labels 0/1 matrix n x m, or null for the identity pairing
     */
    public NDArray loss(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale, NDArray logitBias,
            NDArray labels) {
        if (chunkSize > 0) {
            return chunkedLoss(imageEmbeds, textEmbeds, logitScale, logitBias, labels, chunkSize, maxLogitScale);
        }
        return sigmoidLoss(imageEmbeds, textEmbeds, logitScale, logitBias, labels, maxLogitScale);
    }

    /**
     * The loss for the identity pairing (image i matches text i), no bound on exp(t').
     *
     * @see #sigmoidLoss(NDArray, NDArray, NDArray, NDArray, NDArray, double)
     */
    public static NDArray sigmoidLoss(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale,
            NDArray logitBias) {
        return sigmoidLoss(imageEmbeds, textEmbeds, logitScale, logitBias, null, Double.POSITIVE_INFINITY);
    }

    /**
     * The full-batch loss as plain NDArray operations (autograd builds its graph over the n x m
     * logits). The result is a scalar in the manager of {@code imageEmbeds}.
     *
     * @param imageEmbeds n x d, L2-normalised
     * @param textEmbeds m x d, L2-normalised
     * @param logitScale t' (one element); the logit scale is exp(min(t', log maxLogitScale))
     * @param logitBias b (one element)
     * @param labels 0/1 (or boolean) n x m matrix of positives, or null for the identity (n == m)
     * @param maxLogitScale bound on exp(t'); +infinity for none. Above it d loss / d t' is 0.
     */
    public static NDArray sigmoidLoss(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale,
            NDArray logitBias, NDArray labels, double maxLogitScale) {
        checkInputs(imageEmbeds, textEmbeds, logitScale, logitBias, labels);
        NDArray logits = logits(imageEmbeds, textEmbeds, effectiveLogitScale(logitScale, maxLogitScale), logitBias);
        NDArray z = labelSigns(logits, labels);
        NDArray perPair = PairwiseSigmoid.softplusOfNegative(logits.mul(z));
        NDArray sum = perPair.sum();
        return sum.div(Scalars.of(sum, imageEmbeds.getShape().get(0)));
    }

    /**
     * exp(t') x y^T + b, n x m, in the manager of {@code imageEmbeds}.
     *
     * @param logitScale t' (log space), one element
     */
    public static NDArray logits(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale, NDArray logitBias) {
        return SiglipLogits.of(imageEmbeds, textEmbeds, logitScale, logitBias);
    }

    /**
     * The same value and gradients as {@link #sigmoidLoss(NDArray, NDArray, NDArray, NDArray,
     * NDArray, double)}, computed over column tiles of {@code chunkSize} texts: peak memory
     * O(n x chunkSize) instead of O(n x m). Returns a scalar whose value is the loss and whose
     * autograd gradient w.r.t. the embeddings, t' and b is the analytic gradient (a surrogate
     * {@code L + sum(x gx) + sum(y gy) + t' gt + b gb - (the same, detached)}). All heavy work runs
     * in the forward call; backward costs a few element-wise products.
     */
    public static NDArray chunkedLoss(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale,
            NDArray logitBias, NDArray labels, int chunkSize, double maxLogitScale) {
        SigmoidLossGradients g = chunkedGradients(imageEmbeds, textEmbeds, logitScale, logitBias, labels,
                chunkSize, maxLogitScale);
        NDArray surrogate = imageEmbeds.mul(g.gradImageEmbeds()).sum()
                .add(textEmbeds.mul(g.gradTextEmbeds()).sum())
                .add(logitScale.mul(g.gradLogitScale()).sum())
                .add(logitBias.mul(g.gradLogitBias()).sum());
        // (s - detached s) is exactly 0 in value, so the result equals the loss bit for bit.
        return surrogate.sub(surrogate.stopGradient()).add(g.loss());
    }

    /**
     * Value and gradients of the loss, computed tile by tile without autograd (arrays in the
     * managers of the corresponding inputs; the loss in the manager of {@code imageEmbeds}).
     *
     * @param chunkSize texts per tile; 0 or less for one tile
     */
    public static SigmoidLossGradients chunkedGradients(NDArray imageEmbeds, NDArray textEmbeds,
            NDArray logitScale, NDArray logitBias, NDArray labels, int chunkSize, double maxLogitScale) {
        checkInputs(imageEmbeds, textEmbeds, logitScale, logitBias, labels);
        double t = scalar(logitScale, "logitScale");
        double logMax = Math.log(maxLogitScale);
        double scale = Math.exp(Math.min(t, logMax));
        double bias = scalar(logitBias, "logitBias");
        double invN = 1.0 / imageEmbeds.getShape().get(0);
        try (NDManager scratch = imageEmbeds.getManager().newSubManager()) {
            NDArray x = detachedInto(imageEmbeds, scratch);
            NDArray y = detachedInto(textEmbeds, scratch);
            NDArray lab = labels == null ? null : detachedInto(labels, scratch);
            PairwiseSigmoid.Accumulator acc = new PairwiseSigmoid.Accumulator(x);
            NDArray gy = y.zerosLike();
            PairwiseSigmoid.accumulate(x, y, scale, bias,
                    lab == null ? PairwiseSigmoid.Signs.diagonal(0) : PairwiseSigmoid.Signs.labels(lab),
                    chunkSize, invN, acc, gy);
            // A 0-d float32 times a Java double promotes to float64 in PyTorch: cast back.
            NDArray loss = acc.lossSum.mul(invN).toType(x.getDataType(), false);
            NDArray gt = t > logMax ? logitScale.zerosLike() : acc.scaleSum.mul(scale)
                    .toType(logitScale.getDataType(), false).reshape(logitScale.getShape());
            NDArray gb = acc.biasSum.toType(logitBias.getDataType(), false).reshape(logitBias.getShape());
            loss.attach(imageEmbeds.getManager());
            acc.gradX.attach(imageEmbeds.getManager());
            gy.attach(textEmbeds.getManager());
            gt.attach(logitScale.getManager());
            gb.attach(logitBias.getManager());
            return new SigmoidLossGradients(loss, acc.gradX, gy, gt, gb);
        }
    }

    /**
     * Turns DJL labels into a 0/1 label matrix (n x m) or null for the identity pairing.
     *
     * @param labels empty; one n x m matrix; one 1-D id array (n == m); or image ids and text ids
     */
    public static NDArray labelMatrix(NDList labels, NDArray imageEmbeds, NDArray textEmbeds) {
        long n = imageEmbeds.getShape().get(0);
        long m = textEmbeds.getShape().get(0);
        if (labels == null || labels.isEmpty()) {
            return null;
        }
        NDArray first = labels.get(0);
        if (labels.size() == 1 && first.getShape().dimension() == 2) {
            return first;
        }
        if (labels.size() == 1 && first.getShape().dimension() == 1 && n == m) {
            return first.reshape(n, 1).eq(first.reshape(1, n));
        }
        if (labels.size() == 2 && first.getShape().dimension() == 1 && labels.get(1).getShape().dimension() == 1) {
            return first.reshape(first.size(), 1).eq(labels.get(1).reshape(1, labels.get(1).size()));
        }
        throw new SiglipException("SigmoidLoss labels must be empty (identity pairing), one " + n + "x" + m
                + " 0/1 matrix, one id vector of length " + n + ", or (image ids, text ids); got "
                + labels.size() + " arrays, first of shape " + first.getShape());
    }

    static NDArray effectiveLogitScale(NDArray logitScale, double maxLogitScale) {
        return Double.isInfinite(maxLogitScale) ? logitScale : logitScale.minimum(Scalars.of(logitScale, Math.log(maxLogitScale)));
    }

    static NDArray labelSigns(NDArray logits, NDArray labels) {
        if (labels == null) {
            NDManager m = logits.getManager();
            int n = Math.toIntExact(logits.getShape().get(0));
            return m.eye(n, n, 0, logits.getDataType()).mul(2).sub(1);
        }
        return labels.toType(logits.getDataType(), false).mul(2).sub(1);
    }

    static void checkInputs(NDArray x, NDArray y, NDArray t, NDArray b, NDArray labels) {
        checkInputs(x, y, t, b, labels == null);
        Shape xs = x.getShape();
        Shape ys = y.getShape();
        if (labels != null && !labels.getShape().equals(new Shape(xs.get(0), ys.get(0)))) {
            throw new SiglipException("sigmoid loss: label matrix must be (" + xs.get(0) + ", " + ys.get(0)
                    + "), got " + labels.getShape());
        }
    }

    static void checkInputs(NDArray x, NDArray y, NDArray t, NDArray b, boolean identityPairing) {
        Shape xs = x.getShape();
        Shape ys = y.getShape();
        if (xs.dimension() != 2 || ys.dimension() != 2 || xs.get(1) != ys.get(1)) {
            throw new SiglipException("sigmoid loss: imageEmbeds and textEmbeds must be (n, d) and (m, d), got "
                    + xs + " and " + ys);
        }
        if (identityPairing && xs.get(0) != ys.get(0)) {
            throw new SiglipException("sigmoid loss: without a label matrix image i matches text i, so both need"
                    + " the same batch size; got " + xs.get(0) + " images and " + ys.get(0) + " texts");
        }
        if (t.size() != 1 || b.size() != 1) {
            throw new SiglipException("sigmoid loss: logitScale and logitBias must have one element each, got "
                    + t.getShape() + " and " + b.getShape());
        }
        if (x.getDataType() != y.getDataType()) {
            throw new SiglipException("sigmoid loss: embeddings must share a data type, got " + x.getDataType()
                    + " and " + y.getDataType());
        }
    }

    static double scalar(NDArray a, String what) {
        if (a.size() != 1) {
            throw new SiglipException(what + " must have one element, got shape " + a.getShape());
        }
        try (NDArray d = a.toType(DataType.FLOAT64, true)) {
            return d.toDoubleArray()[0];
        }
    }

    /** A (shape, data type) array holding {@code value}, owned by {@code m}; double precision kept. */
    static NDArray constant(NDManager m, double value, Shape shape, DataType dataType) {
        NDArray d = m.create(new double[] {value}, shape);
        if (dataType == DataType.FLOAT64) {
            return d;
        }
        NDArray r = d.toType(dataType, false);
        d.close();
        return r;
    }

    /** A copy of {@code a} without autograd history, owned by {@code target} (same device). */
    static NDArray detachedInto(NDArray a, NDManager target) {
        NDArray d = a.stopGradient();
        d.attach(target);
        return d;
    }

    // DJL's accumulators read the loss as float; a float64 loss would fail there, so widen here.

    @Override
    public void addAccumulator(String key) {
        totals.put(key, 0.0);
        counts.put(key, 0L);
    }

    @Override
    public void updateAccumulator(String key, NDList labels, NDList predictions) {
        updateAccumulators(new String[] {key}, labels, predictions);
    }

    @Override
    public void updateAccumulators(String[] keys, NDList labels, NDList predictions) {
        double value;
        try (NDArray loss = evaluate(labels, predictions)) {
            value = scalar(loss, "loss");
        }
        for (String key : keys) {
            totals.merge(key, value, Double::sum);
            counts.merge(key, 1L, Long::sum);
        }
    }

    @Override
    public void resetAccumulator(String key) {
        addAccumulator(key);
    }

    @Override
    public float getAccumulator(String key) {
        Long c = counts.get(key);
        if (c == null) {
            throw new SiglipException("no loss accumulator named '" + key + "'; call addAccumulator first");
        }
        return c == 0 ? Float.NaN : (float) (totals.get(key) / c);
    }

    /** Builder of {@link SigmoidLoss}; every setting is optional. */
    public static final class Builder {
        private String name = "SigmoidLoss";
        private double maxLogitScale = Double.POSITIVE_INFINITY;
        private int chunkSize;

        Builder() {}

        /** The loss name DJL shows in its training listeners. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        /**
         * Bounds exp(t') by {@code maxLogitScale} (e.g. 100: t' is clamped at log 100, and its gradient
         * is 0 above the bound, like torch.clamp).
         */
        public Builder optMaxLogitScale(double maxLogitScale) {
            this.maxLogitScale = maxLogitScale;
            return this;
        }

        /** Texts per tile for the chunked form; 0 (default) for the plain autograd form. */
        public Builder optChunkSize(int chunkSize) {
            this.chunkSize = chunkSize;
            return this;
        }

        /** Validates and builds. */
        public SigmoidLoss build() {
            if (name == null || name.isBlank()) {
                throw new SiglipException("SigmoidLoss name must not be blank");
            }
            if (!(maxLogitScale > 0)) {
                throw new SiglipException("SigmoidLoss maxLogitScale must be > 0 (exp space, e.g. 100), got "
                        + maxLogitScale);
            }
            if (chunkSize < 0) {
                throw new SiglipException("SigmoidLoss chunkSize must be >= 0 (0 = no chunking), got " + chunkSize);
            }
            return new SigmoidLoss(this);
        }
    }
}
