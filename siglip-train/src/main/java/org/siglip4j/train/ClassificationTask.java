package org.siglip4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.nn.Scalars;
import org.siglip4j.train.data.Collator;
import org.siglip4j.train.data.LabelledImageCollator;

import java.util.Map;

/**
 * Cross-entropy over a classifier's {@code num_labels} classes. Cross-entropy is a mean over
 * examples, so each piece contributes {@code sum of its losses / global batch} and the pieces'
 * gradients add up to the full-batch gradient exactly; no embedding exchange is needed, and each
 * piece's activations are freed as soon as its backward pass is done.
 */
final class ClassificationTask implements TrainingTask<LabelledImageCollator.Tensors> {
    private final SiglipForImageClassification model;
    private final LabelledImageCollator collator;

    ClassificationTask(SiglipForImageClassification model, LabelledImageCollator collator) {
        this.model = model;
        this.collator = collator;
    }

    @Override
    public String unit() {
        return "images";
    }

    @Override
    public Collator<LabelledImageCollator.Tensors> collator() {
        return collator;
    }

    @Override
    public double forwardBackward(LabelledImageCollator.Tensors batch, StepContext step) {
        int n = step.size();
        double lossValue = 0;
        for (int p = 0; p < step.pieces(); p++) {
            try (NDManager pm = step.newPieceManager(p)) {
                NDArray px = step.piece(batch.pixels(), p, pm);
                NDArray y = step.piece(batch.oneHot(), p, pm);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = model.logits(step.store(p, pm), px, true);
                    // Sum over the piece divided by the global batch: pieces add up to the mean.
                    NDArray sum = logits.logSoftmax(1).mul(y).sum().neg();
                    NDArray loss = sum.div(Scalars.of(sum, n));
                    double v = loss.toType(DataType.FLOAT64, false).getDouble();
                    if (!Double.isFinite(v)) {
                        // Earlier pieces' gradients are already in: the trainer zeroes them.
                        return v;
                    }
                    lossValue += v;
                    gc.backward(loss);
                }
            }
        }
        return lossValue;
    }

    /** Nothing beyond loss, learning rate and gradient norm. */
    @Override
    public void addMetrics(Map<String, Object> row) {
    }

    @Override
    public String checkpointTask() {
        return "image-classification";
    }

    /** Zeroed in place: a non-finite piece stops mid-step, after earlier pieces' backward passes. */
    @Override
    public boolean releasesGradients() {
        return false;
    }
}
