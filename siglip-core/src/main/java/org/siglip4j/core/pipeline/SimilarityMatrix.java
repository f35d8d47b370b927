package org.siglip4j.core.pipeline;

/**
 * Normalised embeddings of some images and texts and SigLIP's logits between them.
 *
 * @param imageEmbeds {@code [n_img][d]} L2-normalised image embeddings
 * @param textEmbeds {@code [n_txt][d]} L2-normalised text embeddings
 * @param logitsPerImage {@code [n_img][n_txt]} = {@code image_embeds . text_embeds * exp(logit_scale)
 *     + logit_bias}
 */
public record SimilarityMatrix(float[][] imageEmbeds, float[][] textEmbeds, float[][] logitsPerImage) {

    /** {@code [n_txt][n_img]}, the transpose of {@link #logitsPerImage()}. */
    public float[][] logitsPerText() {
        int ni = logitsPerImage.length;
        int nt = textEmbeds.length;
        float[][] t = new float[nt][ni];
        for (int i = 0; i < ni; i++) {
            for (int j = 0; j < nt; j++) {
                t[j][i] = logitsPerImage[i][j];
            }
        }
        return t;
    }

    /**
     * {@code [n_img][n_txt]} sigmoid of the logits: SigLIP's probability that text j describes
     * image i, each pair on its own (rows do not sum to 1).
     */
    public double[][] probabilities() {
        double[][] p = new double[logitsPerImage.length][];
        for (int i = 0; i < p.length; i++) {
            p[i] = new double[logitsPerImage[i].length];
            for (int j = 0; j < p[i].length; j++) {
                p[i][j] = sigmoid(logitsPerImage[i][j]);
            }
        }
        return p;
    }

    /** The logistic function, computed without overflow for large |x|. */
    static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }
}
