package org.siglip4j.loss;

import org.siglip4j.core.nn.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipLogits;

/**
 * CLIP's contrastive loss (InfoNCE), for comparison runs: logits = exp(t') x y^T (no bias),
 * loss = (CE(logits_per_image, targets) + CE(logits_per_text, targets)) / 2, where the targets of a
 * row are its positives (image i matches text i; with a 0/1 label matrix, the positives of a row
 * share its probability mass equally).
 *
 * <p>Predictions as for {@link SigmoidLoss}: {@code (imageEmbeds, textEmbeds, logitScale[, logitBias])};
 * a bias is ignored (it cancels in a softmax).
 */
public class SoftmaxLoss extends Loss {

    /** A loss named "SoftmaxLoss". */
    public SoftmaxLoss() {
        this("SoftmaxLoss");
    }

    /** A loss with the given name. */
    public SoftmaxLoss(String name) {
        super(name);
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() < 3) {
            throw new SiglipException("SoftmaxLoss expects predictions (imageEmbeds, textEmbeds, logitScale"
                    + "[, logitBias]), got " + predictions.size() + " arrays");
        }
        NDArray x = predictions.get(0);
        NDArray y = predictions.get(1);
        return softmaxLoss(x, y, predictions.get(2), SigmoidLoss.labelMatrix(labels, x, y));
    }

    /**
     * The symmetric cross-entropy, a scalar in the manager of {@code imageEmbeds}.
     *
     * @param logitScale t' (one element), the scale is exp(t')
     * @param labels 0/1 matrix n x m or null for the identity pairing; every row and column needs a
     *     positive
     */
    public static NDArray softmaxLoss(NDArray imageEmbeds, NDArray textEmbeds, NDArray logitScale, NDArray labels) {
        SigmoidLoss.checkInputs(imageEmbeds, textEmbeds, logitScale, logitScale, labels);
        NDArray logits = SiglipLogits.of(imageEmbeds, textEmbeds, logitScale, null);
        NDArray targets = labels == null
                ? logits.getManager().eye(Math.toIntExact(logits.getShape().get(0)), Math.toIntExact(
                        logits.getShape().get(1)), 0, logits.getDataType())
                : labels.toType(logits.getDataType(), false);
        NDArray rowTargets = targets.div(targets.sum(new int[] {1}, true));
        NDArray colTargets = targets.div(targets.sum(new int[] {0}, true));
        NDArray perImage = logits.logSoftmax(1).mul(rowTargets).sum().neg();
        perImage = perImage.div(Scalars.of(perImage, logits.getShape().get(0)));
        NDArray perText = logits.logSoftmax(0).mul(colTargets).sum().neg();
        perText = perText.div(Scalars.of(perText, logits.getShape().get(1)));
        NDArray both = perImage.add(perText);
        return both.div(Scalars.of(both, 2));
    }
}
