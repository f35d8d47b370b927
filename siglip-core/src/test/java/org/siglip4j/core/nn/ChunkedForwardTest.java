package org.siglip4j.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The split of a batch into chunks: contiguous ranges that cover every row once, each within the
 * budget (or one row when a row alone passes it), as few as the budget allows and of equal size
 * to within one row. Values through the chunked path are ModelParityTest's and GradientTest's.
 */
class ChunkedForwardTest {

    @Test
    void chunksCoverTheBatchInAsFewEqualRangesAsTheBudgetAllows() {
        for (long rows = 1; rows <= 40; rows++) {
            for (long budget : new long[] {1, 99, 100, 250, 399, 1000, 1 << 20}) {
                List<String> ranges = ChunkedForward.ranges(rows, 100, budget);
                long maxRows = Math.max(1, budget / 100);
                assertEquals((rows + maxRows - 1) / maxRows, ranges.size(), rows + " rows, budget " + budget);
                long next = 0;
                long smallest = Long.MAX_VALUE;
                long largest = 0;
                for (String r : ranges) {
                    String[] ft = r.split(":");
                    long from = Long.parseLong(ft[0]);
                    long to = Long.parseLong(ft[1]);
                    assertEquals(next, from, "contiguous: " + ranges);
                    assertTrue(to - from <= maxRows, "within the budget: " + ranges);
                    smallest = Math.min(smallest, to - from);
                    largest = Math.max(largest, to - from);
                    next = to;
                }
                assertEquals(rows, next, "every row: " + ranges);
                assertTrue(largest - smallest <= 1, "equal chunks: " + ranges);
            }
        }
    }
}
