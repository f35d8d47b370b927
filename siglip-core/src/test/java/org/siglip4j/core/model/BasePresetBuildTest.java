package org.siglip4j.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.config.SiglipPresets;

/** Builds google/siglip-base-patch16-224's shape for real (~0.8 GB of float32) once. */
class BasePresetBuildTest {
    @Test
    void basePatch16x224BuildsWithPublishedCountAndRuns() {
        try (NDManager m = NDManager.newBaseManager();
                SiglipModel model = SiglipModel.newModel(SiglipPresets.get("base-patch16-224"), m)) {
            long n = 0;
            for (Parameter p : model.namedParameters().values()) {
                n += p.getArray().size();
            }
            assertEquals(203_155_970L, n);
            // 16 tensors per layer x 24 layers + text 6 + vision 5 + MAP head 11 + logit scale/bias 2
            assertEquals(408, model.namedParameters().size());
            try (NDManager in = NDManager.newBaseManager()) {
                NDArray px = in.randomUniform(-1, 1, new Shape(1, 3, 224, 224));
                NDArray ids = in.ones(new Shape(1, 64), ai.djl.ndarray.types.DataType.INT64);
                SiglipOutput o = model.forward(ids, px);
                assertEquals(new Shape(1, 1), o.logitsPerImage().getShape());
                assertEquals(new Shape(1, 196, 768), o.visionModelOutput().lastHiddenState().getShape());
                assertFalse(Float.isNaN(o.logitsPerImage().getFloat()));
            }
        }
    }
}
