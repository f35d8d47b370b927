package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.siglip4j.core.testing.Fixtures;

/** Matmul FLOP counts against sums worked out by hand, term by term. */
class FlopCountsTest {
    @Test
    void tinyVisionTowerByHand() {
        SiglipVisionConfig v = SiglipConfig.load(Fixtures.dir()).visionConfig();
        // image 32, patch 8 -> n = 16 patches of 3*8*8 = 192 values; d = 32, i = 80, 2 layers
        long patch = 2L * 16 * 192 * 32; // 196,608
        long proj = 4 * (2L * 16 * 32 * 32); // q k v out: 131,072
        long attn = 2 * (2L * 16 * 32 * 16); // QK^T and PV: 32,768
        long mlp = 2 * (2L * 16 * 32 * 80); // fc1 and fc2: 163,840
        long head = 2L * 32 * 32 // probe q
                + 2 * (2L * 16 * 32 * 32) // k and v of 16 patches
                + 2 * (2L * 32 * 16) // one query's scores and values
                + 2L * 32 * 32 // out
                + 2 * (2L * 32 * 80); // MLP
        assertEquals(933_888L, patch + 2 * (proj + attn + mlp) + head);
        assertEquals(933_888L, v.forwardFlops());
    }

    @Test
    void tinyTextTowerByHand() {
        SiglipTextConfig t = SiglipConfig.load(Fixtures.dir()).textConfig();
        // 64 tokens, d = 32, i = 64, 2 layers, head 32 -> 32 on one token
        long layer = 4 * (2L * 64 * 32 * 32) + 2 * (2L * 64 * 32 * 64) + 2 * (2L * 64 * 32 * 64);
        assertEquals(2 * layer + 2L * 32 * 32, t.forwardFlops(64));
        assertEquals(3_147_776L, t.forwardFlops(64));
    }

    @Test
    void presets() {
        // The same sums evaluated separately (Python); ViT-B/16 at 224 is commonly quoted as
        // 17.6 GMACs = 35.2 GFLOP with 197 tokens (SigLIP has 196 and a MAP head instead of CLS)
        assertEquals(35_416_584_192L, SiglipPresets.get("base-patch16-224").visionConfig().forwardFlops());
        assertEquals(670_346_449_920L, SiglipPresets.get("so400m-patch14-384").visionConfig().forwardFlops());
        assertEquals(11_023_810_560L, SiglipPresets.get("base-patch16-224").textConfig().forwardFlops(64));
    }
}
