package org.siglip4j.train.optim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LearningRateScheduleTest {
    @Test
    void warmupThenCosine() {
        var s = new LearningRateSchedule(1e-3, 4, 14, 0);
        assertEquals(0.25e-3, s.at(0), 1e-15);
        assertEquals(1e-3, s.at(3), 1e-15);
        assertEquals(1e-3, s.at(4), 1e-15);          // cosine starts at the peak
        assertEquals(0.5e-3, s.at(9), 1e-15);        // half-way: cos(pi/2) = 0
        assertEquals(0, s.at(14), 1e-15);
        assertEquals(0, s.at(20), 1e-15);            // clamped past the end
        assertEquals(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.3)), s.at(7), 1e-15);
    }

    @Test
    void minimumAndNoWarmup() {
        var s = new LearningRateSchedule(1.0, 0, 10, 0.1);
        assertEquals(1.0, s.at(0), 1e-12);
        assertEquals(0.1, s.at(10), 1e-12);
        assertEquals(0.55, s.at(5), 1e-12);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(0, 0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1, 11, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1, 0, 10, 2));
    }
}
