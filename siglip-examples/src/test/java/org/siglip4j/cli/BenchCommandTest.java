package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code siglip bench --quick} end to end on the tiny fixture, without the PyTorch peer (a Python
 * that does not exist must skip the peer, not fail the run). Checks that every row ran and that the
 * numbers are well-formed; no timing is asserted.
 */
class BenchCommandTest {
    @Test
    void quickRunWithoutPeer(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("bench.json");
        PipelineCommandsTest.Run r = PipelineCommandsTest.run("bench", "--quick", "--python",
                tmp.resolve("no-such-python").toString(), "--assets", PipelineCommandsTest.model(),
                "--memory-calls", "40", "--json", json.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("peer: skipped"), r.out());
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(report.get("gemmGflops").getAsDouble() > 0);
        Set<String> seen = new HashSet<>();
        double fastestGemm = 0;
        for (JsonElement e : report.getAsJsonArray("rows")) {
            JsonObject row = e.getAsJsonObject();
            String name = row.get("row").getAsString();
            seen.add(name);
            if (name.equals("gemm") || name.equals("linear")) {
                fastestGemm = Math.max(fastestGemm, row.get("ours").getAsDouble());
            }
            assertTrue(row.get("ours").getAsDouble() > 0, name + " has a positive rate: " + row);
            assertTrue(Double.isNaN(row.get("peer").getAsDouble()), name + " has no peer value: " + row);
            if (name.equals("vision") || name.equals("text")) {
                double f = row.get("oursGemm").getAsDouble();
                assertTrue(f > 0 && f < 10, name + " fraction of GEMM " + f);
            }
        }
        assertEquals(Set.of("gemm", "linear", "vision", "text", "train step", "tokenizer", "preprocess", "memory"), seen);
        // the model rows are fractions of the faster of the two ways the engine multiplies matrices
        assertEquals(fastestGemm, report.get("gemmGflops").getAsDouble(), 1e-9);
        assertTrue(r.out().contains("| vision | tiny | 2 |"), r.out());
    }

    /** --profile writes a libtorch trace per row (inference and training) and prints its top operators. */
    @Test
    void profileWritesTracesAndTopOperators(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("prof");
        PipelineCommandsTest.Run r = PipelineCommandsTest.run("bench", "--quick", "--no-peer", "--rows", "vision,train",
                "--batches", "2", "--train-batches", "2", "--assets", PipelineCommandsTest.model(), "--profile",
                dir.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        for (String name : new String[] {"vision-tiny-b2.json", "train-tiny-b2.json"}) {
            Path trace = dir.resolve(name);
            assertTrue(Files.size(trace) > 0, "trace written: " + name);
            assertTrue(r.out().contains("profile " + trace), r.out());
        }
        assertTrue(r.out().contains("aten::"), "operators listed: " + r.out());
    }

    @Test
    void unknownRowIsAUsageError() {
        PipelineCommandsTest.Run r = PipelineCommandsTest.run("bench", "--rows", "vision,warp");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown row 'warp'"), r.err());
    }
}
