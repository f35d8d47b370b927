package org.siglip4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

import java.util.Collection;

/**
 * Clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_}: all gradients are scaled by
 * {@code min(1, maxNorm / (norm + 1e-6))} where norm is the L2 norm of every gradient together.
 * DJL's {@code optClipGrad} clamps each element from above, which is a different thing.
 */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Computes the global gradient norm and, when {@code maxNorm > 0} and the norm exceeds it,
     * scales every gradient in place.
     *
     * @return the norm before clipping (reported in the metrics log)
     */
    public static double clipByGlobalNorm(Collection<Parameter> params, double maxNorm) {
        double sumSq = 0;
        for (Parameter p : params) {
            // getGradient() returns a new handle each time: close it (and every temporary), or
            // the handles pile up in the parameters' manager, a few per parameter per step.
            try (NDArray g = p.getArray().getGradient(); NDArray sq = g.square(); NDArray s = sq.sum();
                 NDArray d = s.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)) {
                sumSq += d.getDouble();
            }
        }
        double norm = Math.sqrt(sumSq);
        if (maxNorm > 0 && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (Parameter p : params) {
                try (NDArray g = p.getArray().getGradient()) {
                    g.muli(scale);
                }
            }
        }
        return norm;
    }
}
