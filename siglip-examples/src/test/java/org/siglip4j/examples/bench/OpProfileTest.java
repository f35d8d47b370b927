package org.siglip4j.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpProfileTest {
    /**
     * A hand-made trace: on thread 1, linear [0, 100) calls mm [10, 80) which calls copy_ [20, 30);
     * a second mm [100, 150); on thread 2, a sigmoid [5, 45) that overlaps in time but is no child.
     * Self times by hand: linear 100 - 70 = 30, mm (70 - 10) + 50 = 110, copy_ 10, sigmoid 40 (us).
     */
    @Test
    void selfTimeSubtractsChildrenOnTheSameThreadOnly(@TempDir Path tmp) throws Exception {
        Path trace = tmp.resolve("t.json");
        Files.writeString(trace, """
                {"traceEvents": [
                  {"ph": "X", "name": "aten::mm", "ts": 100, "dur": 50, "tid": 1},
                  {"ph": "X", "name": "aten::copy_", "ts": 20, "dur": 10, "tid": 1},
                  {"ph": "X", "name": "aten::linear", "ts": 0, "dur": 100, "tid": 1},
                  {"ph": "X", "name": "aten::sigmoid", "ts": 5, "dur": 40, "tid": 2},
                  {"ph": "X", "name": "aten::mm", "ts": 10, "dur": 70, "tid": 1},
                  {"ph": "i", "name": "marker", "ts": 3, "tid": 1}
                ]}""");
        List<OpProfile.Op> ops = OpProfile.summarize(trace);
        Map<String, Double> self = ops.stream().collect(Collectors.toMap(OpProfile.Op::name, OpProfile.Op::selfMs));
        assertEquals(Map.of("aten::linear", 0.030, "aten::mm", 0.110, "aten::copy_", 0.010, "aten::sigmoid", 0.040),
                self);
        assertEquals("aten::mm", ops.get(0).name());
        assertEquals(2, ops.get(0).calls());
    }
}
