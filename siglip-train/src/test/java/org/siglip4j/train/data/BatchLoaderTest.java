package org.siglip4j.train.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BatchLoaderTest {
    /** Record i has pixels {i}, captions "c{i}-a"/"c{i}-b", and record 7 is corrupt. */
    private static final PairSource SOURCE = new PairSource() {
        @Override
        public int size() {
            return 20;
        }

        @Override
        public List<String> captions(int i) {
            return List.of("c" + i + "-a", "c" + i + "-b");
        }

        @Override
        public String group(int i) {
            return i % 2 == 0 ? "even" : null;
        }

        @Override
        public float[] pixels(int i) {
            if (i == 7) {
                throw new IllegalStateException("corrupt image");
            }
            return new float[] {i};
        }

        @Override
        public String describe(int i) {
            return "record " + i;
        }
    };

    private static List<String> textsOf(BatchLoader l, int from, int to) {
        List<String> all = new ArrayList<>();
        for (int s = from; s < to; s++) {
            all.addAll(l.get(s).texts());
        }
        return all;
    }

    @Test
    void stepsArePureFunctionsOfSeedAndStep() {
        try (BatchLoader a = new BatchLoader(SOURCE, 6, 3, 2, 2);
             BatchLoader b = new BatchLoader(SOURCE, 6, 3, 1, 0)) {
            assertEquals(3, a.stepsPerEpoch());
            List<String> straight = textsOf(a, 0, 7);
            // A "resumed" loader that starts at step 4 sees the same data for steps 4..6.
            assertEquals(straight.subList(textsOf(a, 0, 4).size(), straight.size()), textsOf(b, 4, 7));
        }
    }

    @Test
    void oneEpochVisitsEveryRecordOnceAndSkipsCorruptOnes() {
        try (BatchLoader l = new BatchLoader(SOURCE, 5, 11, 2, 1)) {
            Set<Integer> seen = new HashSet<>();
            int failures = 0;
            for (int s = 0; s < l.stepsPerEpoch(); s++) {
                BatchLoader.Batch b = l.get(s);
                assertEquals(0, b.epoch());
                for (int k = 0; k < b.size(); k++) {
                    int rec = (int) b.pixels().get(k)[0];
                    assertTrue(seen.add(rec));
                    assertTrue(b.texts().get(k).startsWith("c" + rec + "-"));
                    assertEquals(rec % 2 == 0 ? "even" : null, b.groups().get(k));
                }
                for (String f : b.failures()) {
                    assertEquals("record 7: corrupt image", f);
                    failures++;
                }
            }
            assertEquals(19, seen.size());
            assertEquals(1, failures);
        }
    }
}
