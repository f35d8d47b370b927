package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.testing.SystemProperties;

/** The compute policy: the system properties are its default source, read once when a model is built. */
class ComputePolicyTest {

    @Test
    void thePropertiesAreTheDefaultsSource() {
        assertEquals(ComputePolicy.DEFAULT, ComputePolicy.fromSystemProperties());
        SystemProperties.with(ComputePolicy.CHUNK_PROPERTY, "5", () -> SystemProperties.with(
                ComputePolicy.SCORES_PROPERTY, "7", () -> SystemProperties.with(ComputePolicy.ONEDNN_PROPERTY, "true",
                        () -> assertEquals(new ComputePolicy(5, 5, AttentionImplementation.HEAD_GROUPED, 7, true),
                                ComputePolicy.fromSystemProperties()))));
    }

    /** A model keeps the policy it was built with: changing a property later changes nothing in it. */
    @Test
    void aModelReadsThePropertiesOnceWhenBuilt() {
        try (NDManager m = NDManager.newBaseManager()) {
            SystemProperties.with(ComputePolicy.CHUNK_PROPERTY, "1", () -> {
                try (SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
                    assertEquals(1, model.compute().inferenceChunkBytes());
                    System.setProperty(ComputePolicy.CHUNK_PROPERTY, "2");
                    assertEquals(1, model.compute().trainingChunkBytes());
                }
            });
            try (SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
                assertEquals(ComputePolicy.DEFAULT, model.compute());
            }
        }
    }

    @Test
    void kernelsFollowTheNamedImplementation() {
        assertSame(EagerAttention.INSTANCE, ComputePolicy.DEFAULT.withAttention(AttentionImplementation.EAGER)
                .attentionKernel());
        assertTrue(ComputePolicy.DEFAULT.attentionKernel() instanceof HeadGroupedAttention);
        assertEquals(AttentionImplementation.HEAD_GROUPED, AttentionImplementation.parse(" Head_Grouped "));
        assertThrows(SiglipException.class, () -> AttentionImplementation.parse("flash"));
        assertThrows(SiglipException.class, () -> ComputePolicy.DEFAULT.withChunkBytes(0));
    }
}
