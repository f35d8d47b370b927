package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

class ClassificationMetricsTest {

    private static final List<String> ABC = List.of("a", "b", "c");

    @Test
    void handComputedWithTiesAndCappedTopK() {
        float[][] s = {
            {0.9f, 0.1f, 0.0f}, // label 0: rank 1
            {0.5f, 0.4f, 0.3f}, // label 1: rank 2, predicted 0
            {0.2f, 0.2f, 0.2f}, // label 2: three-way tie -> rank 3, predicted 0
            {0.3f, 0.3f, 0.1f}, // label 0: tie with class 1 -> rank 2, predicted 1
        };
        int[] y = {0, 1, 2, 0};
        ClassificationMetrics m = ClassificationMetrics.compute(s, y, ABC, 10);
        assertEquals(4, m.numImages());
        assertEquals(3, m.numClasses());
        assertEquals(0.25, m.top1(), 1e-12);
        assertEquals(3, m.top5K(), "top-5 is capped at 3 classes");
        assertEquals(1.0, m.top5(), 1e-12);
        assertEquals(0.75, ClassificationMetrics.topKAccuracy(s, y, 2), 1e-12);
        assertEquals(1.0, ClassificationMetrics.topKAccuracy(s, y, 100), 1e-12);
        // per class: a 1/2, b 0/1, c 0/1
        assertEquals(0.5 / 3, m.meanPerClassAccuracy(), 1e-12);
        assertEquals(0, m.classesWithoutImages());
        assertEquals(new ClassificationMetrics.PerClass(0, "a", 2, 1, 2, 0.5, false),
                m.perClass().get(0));
        assertEquals(new ClassificationMetrics.PerClass(1, "b", 1, 0, 1, 0.0, false),
                m.perClass().get(1));
        assertEquals(List.of(
                new ClassificationMetrics.ConfusedPair(0, "a", 1, "b", 1),
                new ClassificationMetrics.ConfusedPair(1, "b", 0, "a", 1),
                new ClassificationMetrics.ConfusedPair(2, "c", 0, "a", 1)), m.mostConfused());
        assertEquals(2, ClassificationMetrics.compute(s, y, ABC, 2).mostConfused().size());
    }

    @Test
    void tieIsNeverCreditedWhicheverIndexTheTrueClassHas() {
        float[] tie = {0.5f, 0.5f};
        assertEquals(2, ClassificationMetrics.rankOfTrueClass(tie, 0));
        assertEquals(2, ClassificationMetrics.rankOfTrueClass(tie, 1));
        assertEquals(1, ClassificationMetrics.predictedClass(tie, 0));
        assertEquals(0, ClassificationMetrics.predictedClass(tie, 1));
    }

    @Test
    void classWithoutImagesIsExcludedFromTheMean() {
        float[][] s = {{1, 0, 0}, {0, 0, 1}, {1, 0, 0}};
        int[] y = {0, 2, 2}; // class b has no image; c is 1/2
        ClassificationMetrics m = ClassificationMetrics.compute(s, y, ABC, 5);
        assertEquals(1, m.classesWithoutImages());
        ClassificationMetrics.PerClass b = m.perClass().get(1);
        assertEquals(0, b.images());
        assertNull(b.accuracy());
        assertTrue(b.excludedFromMean());
        assertFalse(m.perClass().get(0).excludedFromMean());
        assertEquals((1.0 + 0.5) / 2, m.meanPerClassAccuracy(), 1e-12);
        assertEquals(2.0 / 3, m.top1(), 1e-12);
    }

    @Test
    void perfectAndWorstCase() {
        int n = 7;
        float[][] perfect = new float[n][n];
        float[][] worst = new float[n][n];
        int[] y = new int[n];
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            y[i] = i;
            names.add("c" + i);
            for (int j = 0; j < n; j++) {
                perfect[i][j] = i == j ? 1 : 0;
                worst[i][j] = i == j ? -1 : j * 0.01f; // true class strictly last
            }
        }
        ClassificationMetrics p = ClassificationMetrics.compute(perfect, y, names, 20);
        assertEquals(1.0, p.top1());
        assertEquals(1.0, p.top5());
        assertEquals(5, p.top5K());
        assertEquals(1.0, p.meanPerClassAccuracy());
        assertTrue(p.mostConfused().isEmpty());
        ClassificationMetrics w = ClassificationMetrics.compute(worst, y, names, 20);
        assertEquals(0.0, w.top1());
        assertEquals(0.0, w.top5(), "rank 7 of 7 is outside the top 5");
        assertEquals(0.0, w.meanPerClassAccuracy());
        // every image is predicted as the highest-scoring other class: c6, except c6 -> c5
        assertEquals(new ClassificationMetrics.ConfusedPair(0, "c0", 6, "c6", 1),
                w.mostConfused().get(0));
        assertEquals(new ClassificationMetrics.ConfusedPair(6, "c6", 5, "c5", 1),
                w.mostConfused().get(6));
    }

    @Test
    void oneImagePerClassMeanEqualsTop1() {
        float[][] s = {{0.2f, 0.1f, 0.0f}, {0.3f, 0.2f, 0.1f}, {0.0f, 0.1f, 0.9f}};
        ClassificationMetrics m = ClassificationMetrics.compute(s, new int[] {0, 1, 2}, ABC, 5);
        assertEquals(2.0 / 3, m.top1(), 1e-12);
        assertEquals(m.top1(), m.meanPerClassAccuracy(), 1e-12);
    }

    /** Checks ranks against sorting, on random scores with many ties (coarse quantisation). */
    @Test
    void ranksAgreeWithSortingOnRandomScores() {
        Random rnd = new Random(42);
        int n = 200;
        int c = 9;
        float[][] s = new float[n][c];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(c);
            for (int j = 0; j < c; j++) {
                s[i][j] = rnd.nextInt(4) / 4f;
            }
        }
        for (int k : new int[] {1, 3, 5, 9, 12}) {
            int hits = 0;
            for (int i = 0; i < n; i++) {
                final int row = i;
                List<Integer> order = new ArrayList<>();
                for (int j = 0; j < c; j++) {
                    order.add(j);
                }
                // descending score; among equal scores the true class goes last, others by index
                order.sort((a, b) -> {
                    int cmp = Float.compare(s[row][b], s[row][a]);
                    if (cmp != 0) {
                        return cmp;
                    }
                    if (a == y[row]) {
                        return 1;
                    }
                    if (b == y[row]) {
                        return -1;
                    }
                    return Integer.compare(a, b);
                });
                if (order.indexOf(y[row]) < Math.min(k, c)) {
                    hits++;
                }
                if (k == 1) {
                    assertEquals(order.get(0).intValue(),
                            ClassificationMetrics.predictedClass(s[row], y[row]));
                }
            }
            assertEquals((double) hits / n, ClassificationMetrics.topKAccuracy(s, y, k), 1e-12,
                    "top-" + k);
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(SiglipException.class, () -> ClassificationMetrics.compute(
                new float[][] {{Float.NaN, 0, 0}}, new int[] {0}, ABC, 1));
        SiglipException e = assertThrows(SiglipException.class, () -> ClassificationMetrics.compute(
                new float[][] {{0, 0, 0}}, new int[] {3}, ABC, 1));
        assertTrue(e.getMessage().contains("outside 0..2"), e.getMessage());
        assertThrows(SiglipException.class, () -> ClassificationMetrics.compute(
                new float[][] {{0, 0}}, new int[] {0}, ABC, 1));
        assertThrows(SiglipException.class, () -> ClassificationMetrics.compute(
                new float[0][], new int[0], ABC, 1));
        assertThrows(SiglipException.class,
                () -> ClassificationMetrics.topKAccuracy(new float[][] {{1}}, new int[] {0}, 0));
    }

    @Test
    void fromRanksGivesTheHandComputedNumbersAndRejectsInconsistentRows() {
        // the hand-computed case above, as (label, rank, predicted) per image
        int[] y = {0, 1, 2, 0};
        ClassificationMetrics m = ClassificationMetrics.fromRanks(y, new int[] {1, 2, 3, 2},
                new int[] {0, 0, 0, 1}, ABC, 10);
        assertEquals(0.25, m.top1(), 1e-12);
        assertEquals(0.5 / 3, m.meanPerClassAccuracy(), 1e-12);
        assertEquals(List.of(new ClassificationMetrics.ConfusedPair(0, "a", 1, "b", 1),
                new ClassificationMetrics.ConfusedPair(1, "b", 0, "a", 1),
                new ClassificationMetrics.ConfusedPair(2, "c", 0, "a", 1)), m.mostConfused());
        for (int[] bad : new int[][] {{0, 1, 1}, {0, 2, 0}, {0, 4, 1}, {0, 0, 0}, {3, 1, 3},
                {0, 2, 3}}) {
            SiglipException e = assertThrows(SiglipException.class,
                    () -> ClassificationMetrics.fromRanks(new int[] {bad[0]}, new int[] {bad[1]},
                            new int[] {bad[2]}, ABC, 1), () -> Arrays.toString(bad));
            assertTrue(e.getMessage().contains("inconsistent with 3 classes"), e.getMessage());
        }
        assertThrows(SiglipException.class, () -> ClassificationMetrics.fromRanks(
                new int[] {0, 1}, new int[] {1}, new int[] {0, 1}, ABC, 1));
        assertThrows(SiglipException.class, () -> ClassificationMetrics.fromRanks(
                new int[0], new int[0], new int[0], ABC, 1));
    }
}
