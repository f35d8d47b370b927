package org.siglip4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.KernelCalibration.BudgetTiming;
import org.siglip4j.core.nn.LinearCalibration.LinearShape;

/** The shapes the calibration measures and its choice of chunk budgets, from given times. */
class CalibratorTest {
    private static final long MIB = 1 << 20;

    /**
     * ViT-B/16 at 224: 196 tokens of 3072 MLP features are 2.4 MB per image, so 24 MiB holds 10
     * images (16 run as 2 chunks of 8, 1568 rows) and 12 MiB 5 (8 as 2 of 4, 784 rows); its text
     * tower's 64 tokens are 0.79 MB per text: 16 texts in one chunk (1024 rows), 8 in one (512).
     */
    @Test
    void theBaseModelsShapes() {
        List<LinearShape> shapes = Calibrator.shapes(SiglipConfig.preset("base-patch16-224"));
        assertEquals(List.of(
                new LinearShape("vision inference", 768, 768, 1568),
                new LinearShape("vision inference", 768, 3072, 1568),
                new LinearShape("vision inference", 3072, 768, 1568),
                new LinearShape("vision training", 768, 768, 784),
                new LinearShape("vision training", 768, 3072, 784),
                new LinearShape("vision training", 3072, 768, 784),
                new LinearShape("text inference", 768, 768, 1024),
                new LinearShape("text inference", 768, 3072, 1024),
                new LinearShape("text inference", 3072, 768, 1024),
                new LinearShape("text training", 768, 768, 512),
                new LinearShape("text training", 768, 3072, 512),
                new LinearShape("text training", 3072, 768, 512)), shapes);
    }

    @Test
    void picksTheFastestBudgetBeyondTheNoise() {
        List<BudgetTiming> t = List.of(new BudgetTiming(false, 12 * MIB, 16, 1000),
                new BudgetTiming(false, 24 * MIB, 16, 900), new BudgetTiming(false, 48 * MIB, 16, 800),
                new BudgetTiming(true, 6 * MIB, 8, 5000), new BudgetTiming(true, 12 * MIB, 8, 5000),
                new BudgetTiming(true, 24 * MIB, 8, 4900));
        assertEquals(48 * MIB, Calibrator.pickBudget(t, false, 24 * MIB));
        assertEquals(12 * MIB, Calibrator.pickBudget(t, true, 12 * MIB), "2% faster is noise: the built-in stays");
        assertEquals(48 * MIB, Calibrator.pickBudget(t, false, 12 * MIB + 1), "without the built-in timed the fastest wins");
    }

    @Test
    void chunkRowsFollowTheModelsEqualChunks() {
        assertEquals(8, Calibrator.chunkRows(16, 10, 100)); // 10 per chunk at most: 2 chunks of 8
        assertEquals(5, Calibrator.chunkRows(32, 10, 50)); // 5 at most: 7 chunks of 4 or 5
    }
}
