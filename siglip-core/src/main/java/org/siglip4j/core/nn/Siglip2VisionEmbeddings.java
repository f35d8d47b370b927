package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.Siglip2VisionConfig;

/**
 * {@code Siglip2VisionEmbeddings} (SigLIP 2 NaFlex, Tschannen et al., arXiv 2502.14786):
 * {@code patch_embedding} is a Linear over flattened patches (C*p*p, in (row, column, channel)
 * order as {@code Siglip2ImageProcessor} writes them), and {@code position_embedding}'s g x g table
 * is resized per image to that image's patch grid (bilinear, antialiased, align_corners=False, in
 * float32 as HF does on CPU); padding tokens get the first resized position, as in HF.
 *
 * <p>Inputs: pixel_values [B, P, C*p*p] and spatial_shapes (rows, columns) per image with
 * rows * columns &lt;= P.
 */
public final class Siglip2VisionEmbeddings extends SiglipModule {
    private final TorchLinear patchEmbedding;
    private final TorchEmbedding positionEmbedding;
    private final Siglip2VisionConfig config;

    /** The embeddings of a vision config. */
    public Siglip2VisionEmbeddings(Siglip2VisionConfig config) {
        this.config = config;
        int c = config.numChannels() * config.patchSize() * config.patchSize();
        patchEmbedding = module("patch_embedding", new TorchLinear(c, config.hiddenSize()));
        positionEmbedding = module("position_embedding", new TorchEmbedding(config.numPatches(), config.hiddenSize(),
                new NormalInitializer((float) (1 / Math.sqrt(config.hiddenSize())))));
    }

    /**
     * The [B, P, P_table] matrix that maps the position table to each image's positions.
     *
     * @param spatialShapes (rows, columns) per image
     * @param maxLength P, the padded patch count
     */
    float[] positionMatrix(long[][] spatialShapes, int maxLength) {
        int g = config.positionGridSize();
        int t = g * g;
        float[] m = new float[spatialShapes.length * maxLength * t];
        for (int b = 0; b < spatialShapes.length; b++) {
            long h = spatialShapes[b][0];
            long w = spatialShapes[b][1];
            if (h < 1 || w < 1 || h * w > maxLength) {
                throw new SiglipException("spatial_shapes[" + b + "] = " + h + "x" + w + " must be positive with at most "
                        + maxLength + " patches (the pixel_values length)");
            }
            double[][] k = AntialiasBilinear.grid(g, g, (int) h, (int) w);
            int base = b * maxLength * t;
            for (int r = 0; r < maxLength; r++) {
                double[] src = k[r < h * w ? r : 0];
                for (int j = 0; j < t; j++) {
                    m[base + r * t + j] = (float) src[j];
                }
            }
        }
        return m;
    }

    /**
     * Embeds patches into [B, P, D] tokens.
     *
     * @param pixels [B, P, C*p*p]
     * @param spatialShapes (rows, columns) per image
     */
    public NDArray forward(ParameterStore ps, NDArray pixels, long[][] spatialShapes, boolean training) {
        Shape s = pixels.getShape();
        long features = (long) config.numChannels() * config.patchSize() * config.patchSize();
        if (s.dimension() != 3 || s.get(2) != features) {
            throw new SiglipException("pixel_values must be [batch, patches, " + features + "] (C*p*p), got " + s);
        }
        if (spatialShapes.length != s.get(0)) {
            throw new SiglipException("spatial_shapes has " + spatialShapes.length + " rows for a batch of " + s.get(0));
        }
        int maxLength = (int) s.get(1);
        int t = config.numPatches();
        NDArray m = pixels.getManager().create(positionMatrix(spatialShapes, maxLength),
                new Shape(s.get(0), maxLength, t));
        NDArray table = positionEmbedding.table(ps, pixels, training);
        NDArray positions = m.matMul(table);
        return patchEmbedding.forward(ps, pixels, training).add(positions);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.get(0), Siglip2VisionTransformer.shapes(inputs.get(1)), training));
    }
}
