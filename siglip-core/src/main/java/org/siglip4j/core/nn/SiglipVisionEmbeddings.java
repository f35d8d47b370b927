package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * {@code SiglipVisionEmbeddings}: {@code patch_embedding} (Conv2d, kernel = stride = patch, bias),
 * patches in row-major grid order, plus {@code position_embedding} (no CLS token). With
 * {@code interpolatePosEncoding} the g x g position grid is resized bicubically (torch,
 * align_corners=False) to the input's grid, as HF v4.45.2+ does.
 */
public final class SiglipVisionEmbeddings extends SiglipModule {
    private final TorchConv2d patchEmbedding;
    private final TorchEmbedding positionEmbedding;
    private final SiglipVisionConfig config;

    /** The embeddings of a vision config. */
    public SiglipVisionEmbeddings(SiglipVisionConfig config) {
        this.config = config;
        patchEmbedding = module("patch_embedding", new TorchConv2d(config.numChannels(), config.hiddenSize(),
                config.patchSize(), new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                        XavierInitializer.FactorType.IN, 1)));
        positionEmbedding = module("position_embedding", new TorchEmbedding(config.numPatches(), config.hiddenSize(),
                new NormalInitializer((float) (1 / Math.sqrt(config.hiddenSize())))));
    }

    /**
     * Embeds [B, C, H, W] pixels into [B, P, D] tokens.
     *
     * @param interpolatePosEncoding resize the position grid when H, W differ from the trained size
     */
    public NDArray forward(ParameterStore ps, NDArray pixels, boolean interpolatePosEncoding, boolean training) {
        Shape s = pixels.getShape();
        if (s.dimension() != 4 || s.get(1) != config.numChannels()) {
            throw new SiglipException("pixel_values must be [batch, " + config.numChannels() + ", height, width], got "
                    + s);
        }
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        int p = config.patchSize();
        if (h < p || w < p) {
            throw new SiglipException("pixel_values " + h + "x" + w + " is smaller than one " + p + "x" + p + " patch");
        }
        NDArray patches = patchEmbedding.forward(ps, pixels, training);
        long d = config.hiddenSize();
        // the stride-p convolution floors, like HF's Conv2d (384 / 14 -> 27)
        int gh = h / p;
        int gw = w / p;
        // a transposed view of the convolution's [B, D, P] output; the sums below put the
        // position table first so that libtorch lays the result out after the table, row-major
        // [B, P, D]: with the view first the whole residual stream inherited its transposed
        // layout, and every LayerNorm copied it (25 copies of [B, P, D]; docs/performance.md,
        // "Measurements behind design choices")
        NDArray tokens = patches.reshape(s.get(0), d, (long) gh * gw).transpose(0, 2, 1);
        NDArray table = positionEmbedding.table(ps, pixels, training);
        int g = config.gridSize();
        if (gh == g && gw == g) {
            return own(table.add(tokens), tokens); // the sum belongs to the table's manager otherwise
        }
        if (!interpolatePosEncoding) {
            throw new SiglipException("input image size (" + h + "*" + w + ") doesn't match model ("
                    + config.imageSize() + "*" + config.imageSize() + "); pass interpolatePosEncoding=true");
        }
        NDArray m = pixels.getManager().create(BicubicInterpolation.grid(g, g, gh, gw),
                new Shape((long) gh * gw, (long) g * g));
        return m.matMul(table).add(tokens);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        boolean interp = p != null && Boolean.TRUE.equals(p.get("interpolate_pos_encoding"));
        return list(forward(ps, inputs.singletonOrThrow(), interp, training));
    }
}
