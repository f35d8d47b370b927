package org.siglip4j.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipLogits;

/**
 * A block that owns SigLIP's learnable temperature t' ({@code logit_scale}, log space) and bias b
 * ({@code logit_bias}) as DJL parameters of shape (1), named as in Hugging Face checkpoints.
 *
 * <p>Forward: {@code NDList(imageEmbeds, textEmbeds)} to {@code NDList(imageEmbeds, textEmbeds,
 * logitScale, logitBias)}, the predictions {@link SigmoidLoss} expects. Useful on its own when the
 * towers are frozen or the embeddings precomputed (e.g. locked-image tuning). A whole {@code
 * SiglipModel} holds the same two parameters itself (and trains them in place): this block is for
 * the cases without one, with the same initial values ({@link SiglipLogits}) and the logits
 * computed by the loss through the same formula.
 */
public final class LogitScaleBias extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Parameter logitScale;
    private final Parameter logitBias;
    private final double maxLogitScale;

    private LogitScaleBias(Builder b) {
        super(VERSION);
        this.maxLogitScale = b.maxLogitScale;
        logitScale = addParameter(Parameter.builder().setName("logit_scale").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer((float) b.initLogitScale)).build());
        logitBias = addParameter(Parameter.builder().setName("logit_bias").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(new ConstantInitializer((float) b.initLogitBias)).build());
    }

    /** Builder with the paper's initialisation: t' = log 10, b = -10, no bound. */
    public static Builder builder() {
        return new Builder();
    }

    /** The t' parameter ({@code logit_scale}). */
    public Parameter getLogitScale() {
        return logitScale;
    }

    /** The b parameter ({@code logit_bias}). */
    public Parameter getLogitBias() {
        return logitBias;
    }

    /** The bound on exp(t') applied by {@link #clampLogitScale()}, or +infinity. */
    public double getMaxLogitScale() {
        return maxLogitScale;
    }

    /**
     * Clamps t' in place to [0, log maxLogitScale] (open_clip's habit after each optimizer step);
     * does nothing without a bound. An alternative to bounding inside the loss
     * ({@link SigmoidLoss.Builder#optMaxLogitScale}).
     */
    public void clampLogitScale() {
        if (Double.isInfinite(maxLogitScale) || !logitScale.isInitialized()) {
            return;
        }
        NDArray t = logitScale.getArray();
        try (NDManager m = t.getManager().newSubManager()) {
            NDArray clipped = t.clip(0, Math.log(maxLogitScale));
            clipped.attach(m);
            t.set(new ai.djl.ndarray.index.NDIndex(":"), clipped);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != 2) {
            throw new SiglipException("LogitScaleBias expects (imageEmbeds, textEmbeds), got " + inputs.size()
                    + " arrays");
        }
        NDArray x = inputs.get(0);
        NDArray t = parameterStore.getValue(logitScale, x.getDevice(), training);
        NDArray b = parameterStore.getValue(logitBias, x.getDevice(), training);
        return new NDList(x, inputs.get(1), t, b);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (inputShapes.length != 2) {
            throw new SiglipException("LogitScaleBias expects 2 input shapes, got " + inputShapes.length);
        }
        return new Shape[] {inputShapes[0], inputShapes[1], new Shape(1), new Shape(1)};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no children
    }

    /** Builder of {@link LogitScaleBias}; every setting is optional. */
    public static final class Builder {
        private double initLogitScale = SigmoidLoss.DEFAULT_LOGIT_SCALE;
        private double initLogitBias = SigmoidLoss.DEFAULT_LOGIT_BIAS;
        private double maxLogitScale = Double.POSITIVE_INFINITY;

        Builder() {}

        /** Initial t' in log space (default log 10, i.e. a logit scale of 10). */
        public Builder optInitLogitScale(double logSpaceValue) {
            this.initLogitScale = logSpaceValue;
            return this;
        }

        /** Initial b (default -10). */
        public Builder optInitLogitBias(double bias) {
            this.initLogitBias = bias;
            return this;
        }

        /** Bound on exp(t') for {@link #clampLogitScale()} (e.g. 100). */
        public Builder optMaxLogitScale(double maxLogitScale) {
            this.maxLogitScale = maxLogitScale;
            return this;
        }

        /** Validates and builds. */
        public LogitScaleBias build() {
            if (!Double.isFinite(initLogitScale) || !Double.isFinite(initLogitBias)) {
                throw new SiglipException("LogitScaleBias initial values must be finite, got t'=" + initLogitScale
                        + " b=" + initLogitBias);
            }
            if (!(maxLogitScale > 0)) {
                throw new SiglipException("LogitScaleBias maxLogitScale must be > 0 (exp space), got " + maxLogitScale);
            }
            return new LogitScaleBias(this);
        }
    }
}
