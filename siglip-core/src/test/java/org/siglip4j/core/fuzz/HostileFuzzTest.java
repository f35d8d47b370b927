package org.siglip4j.core.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CI slice of the structure-aware fuzz suite: {@value #CASES} seeded cases of each core kind,
 * in one child JVM per kind (so an abort or a hang is a failure of this test, not of the build).
 * {@code -Dsiglip.fuzz.hostileCases=N} runs more; the long run is {@code scripts/fuzz-long.sh}.
 */
class HostileFuzzTest {
    static final int CASES = 120;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"safetensors", "config.json", "tokenizer.json", "spiece.model", "image"})
    void structureAwareCasesAreAcceptedOrRejectedCleanly(String kind) throws Exception {
        FuzzRunner.KindReport r = FuzzRunner.run(HostileFiles.class.getName(), kind,
                Integer.getInteger("siglip.fuzz.hostileCases", CASES), 1_000_000, 30, "1g", FuzzHarness.seed(),
                Files.createDirectories(tmp.resolve(kind)));
        System.out.println(r.row());
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() + r.rejected() == r.cases(), r.row());
    }
}
