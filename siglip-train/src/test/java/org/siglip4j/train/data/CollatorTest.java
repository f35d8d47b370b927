package org.siglip4j.train.data;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collate step: positives from groups, one-hot targets from class names, stacked images. */
class CollatorTest {

    @Test
    void pairsOfOneGroupArePositivesAndUngroupedPairsOnlyTheirOwn() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] z = ImageTextCollator.positives(Arrays.asList("cat", null, "cat"), m).toFloatArray();
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0, 1, 0, 1}, z);
            assertNull(ImageTextCollator.positives(Arrays.asList(null, "dog", null), m),
                    "no pair beyond the diagonal: the identity, given as null");
        }
    }

    @Test
    void labelsMatchIgnoringCaseAndUnderscoresAndBecomeOneHotRows() {
        LabelledImageCollator c = new LabelledImageCollator(Map.of(0, "cat", 1, "sea lion"), 2, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] px = {1, 2, 3};
            BatchLoader.Batch batch = new BatchLoader.Batch(0, 0, List.of(px, px), List.of("", ""),
                    List.of("Sea_Lion", "CAT"), List.of());
            LabelledImageCollator.Tensors t = c.collate(batch, m);
            assertArrayEquals(new float[] {0, 1, 1, 0}, t.oneHot().toFloatArray());
            assertEquals(new ai.djl.ndarray.types.Shape(2, 3, 1, 1), t.pixels().getShape());
        }
        SiglipException e = assertThrows(SiglipException.class, () -> c.labelId("giraffe"));
        assertTrue(e.getMessage().contains("giraffe") && e.getMessage().contains("sea lion"), e.getMessage());
    }

    @Test
    void imagesOfDifferentSizesInOneBatchAreAnError() {
        SiglipException e = assertThrows(SiglipException.class,
                () -> Collator.stack(List.of(new float[12], new float[9])));
        assertTrue(e.getMessage().contains("12 vs 9"), e.getMessage());
    }
}
