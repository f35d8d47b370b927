package org.siglip4j.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which HF parameter names train under locked-image tuning with and without unlocked blocks. */
class FreezePolicyTest {

    @Test
    void nothingFrozenTrainsEverything() {
        FreezePolicy p = new FreezePolicy(TrainerConfig.Freeze.NONE, 4, 4, false);
        assertTrue(p.trains("vision_model.embeddings.patch_embedding.weight"));
        assertTrue(p.trains("text_model.encoder.layers.0.mlp.fc1.weight"));
        assertTrue(p.trains("logit_scale"));
    }

    @Test
    void lockedImageWithTheLastBlockUnlocked() {
        FreezePolicy p = new FreezePolicy(new TrainerConfig.Freeze(true, 1, false, 0), 4, 4, false);
        assertFalse(p.trains("vision_model.embeddings.patch_embedding.weight"));
        assertFalse(p.trains("vision_model.encoder.layers.2.self_attn.q_proj.weight"));
        assertTrue(p.trains("vision_model.encoder.layers.3.self_attn.q_proj.weight"));
        assertTrue(p.trains("vision_model.post_layernorm.weight"));
        assertTrue(p.trains("vision_model.head.probe"));
        assertTrue(p.trains("text_model.embeddings.token_embedding.weight"));
        assertTrue(p.trains("logit_bias"));
    }

    @Test
    void layerIndicesAreReadAsNumbersNotPrefixes() {
        // layer 1 of 12 must not pass as "layer 1x" under unlock-last 3 (layers 9, 10, 11)
        FreezePolicy p = new FreezePolicy(new TrainerConfig.Freeze(false, 0, true, 3), 12, 12, false);
        assertFalse(p.trains("text_model.encoder.layers.1.mlp.fc2.bias"));
        assertTrue(p.trains("text_model.encoder.layers.10.mlp.fc2.bias"));
        assertTrue(p.trains("text_model.final_layer_norm.weight"));
        assertTrue(p.trains("text_model.head.weight"));
        assertFalse(p.trains("text_model.embeddings.position_embedding.weight"));
    }

    @Test
    void theClassifierNeverTrainsTheUnusedAttentionPoolingHead() {
        FreezePolicy p = new FreezePolicy(TrainerConfig.Freeze.NONE, 4, 0, true);
        assertFalse(p.trains("vision_model.head.attention.in_proj_weight"));
        assertTrue(p.trains("vision_model.post_layernorm.weight"));
        assertTrue(p.trains("classifier.weight"));
    }

    @Test
    void negativeUnlockCountsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainerConfig.Freeze(true, -1, false, 0));
        assertEquals("unlock counts must be >= 0", e.getMessage());
    }
}
