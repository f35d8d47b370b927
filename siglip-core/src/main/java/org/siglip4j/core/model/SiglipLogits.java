package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.siglip4j.core.SiglipException;

/**
 * SigLIP's logits, the one formula the model, the losses and the pipelines share (Zhai et al.
 * 2023, "Sigmoid Loss for Language Image Pre-Training", eq. 1):
 *
 * <pre>logits[i][j] = exp(t') * x_i . y_j + b</pre>
 *
 * <p>x and y are L2-normalised embeddings (rows), t' the learnt log temperature ({@code
 * logit_scale}) and b the learnt bias ({@code logit_bias}). With images as x this is HF's {@code
 * logits_per_image}; {@code logits_per_text} is its transpose. The ONNX export writes the same
 * formula as graph nodes ({@code SiglipOnnxExporter}), which cannot call Java.
 */
public final class SiglipLogits {
    /** The paper's initial t' = log 10 (HF's {@code _init_weights} uses 0). */
    public static final double INIT_LOGIT_SCALE = Math.log(10);
    /** The paper's initial b = -10, so that the many negative pairs start with a small loss. */
    public static final double INIT_LOGIT_BIAS = -10;

    private SiglipLogits() {}

    /**
     * exp(t') x y^T + b, under autograd or not.
     *
     * @param x [N, D] (images for {@code logits_per_image})
     * @param y [M, D]
     * @param logitScale t' (log space), one element: a parameter's value or any array
     * @param logitBias b, one element, or null for none (CLIP's logits)
     * @return [N, M] in the manager of {@code x}; nothing is left in the parameters' manager
     */
    public static NDArray of(NDArray x, NDArray y, NDArray logitScale, NDArray logitBias) {
        NDManager home = x.getManager();
        NDArray exp = logitScale.exp();
        exp.attach(home); // a parameter's manager holds the weights: nothing of a call may stay there
        NDArray logits = x.matMul(y.transpose()).mul(exp.reshape(1, 1));
        if (logitBias == null) {
            return logits;
        }
        NDArray bias = logitBias.reshape(1, 1);
        bias.attach(home);
        return logits.add(bias);
    }

    /**
     * s x y^T + b from the products x y^T already computed, for the losses' analytic gradients,
     * which need the products themselves too (d loss / d t').
     *
     * @param dot x y^T
     * @param scale s = exp(t'), after any clamp
     * @param bias b
     * @return a new array
     */
    public static NDArray fromProducts(NDArray dot, double scale, double bias) {
        return dot.mul(scale).add(bias);
    }

    /**
     * {@code logits_per_image} of embeddings held in Java arrays, computed in double.
     *
     * @param imageEmbeds {@code [n_img][d]} normalised image embeddings
     * @param textEmbeds {@code [n_txt][d]} normalised text embeddings
     * @param logitScale t'
     * @param logitBias b
     * @return {@code [n_img][n_txt]}
     * @throws SiglipException when an image and a text embedding differ in length
     */
    public static float[][] perImage(float[][] imageEmbeds, float[][] textEmbeds, double logitScale,
            double logitBias) {
        double scale = Math.exp(logitScale);
        float[][] out = new float[imageEmbeds.length][textEmbeds.length];
        for (int i = 0; i < imageEmbeds.length; i++) {
            float[] a = imageEmbeds[i];
            for (int j = 0; j < textEmbeds.length; j++) {
                float[] b = textEmbeds[j];
                if (a.length != b.length) {
                    throw new SiglipException("image embedding #" + i + " has " + a.length + " values but text "
                            + "embedding #" + j + " has " + b.length + "; both must come from the same model");
                }
                double dot = 0;
                for (int k = 0; k < a.length; k++) {
                    dot += (double) a[k] * b[k];
                }
                out[i][j] = (float) (dot * scale + logitBias);
            }
        }
        return out;
    }
}
