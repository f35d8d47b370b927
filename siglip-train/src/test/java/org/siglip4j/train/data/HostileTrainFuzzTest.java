package org.siglip4j.train.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.siglip4j.core.fuzz.FuzzHarness;
import org.siglip4j.core.fuzz.FuzzRunner;

/**
 * The CI slice of the structure-aware fuzz suite for training inputs: {@value #CASES} seeded
 * cases of each kind in a child JVM ({@code scripts/fuzz-long.sh} runs the long version).
 */
class HostileTrainFuzzTest {
    static final int CASES = 150;

    @TempDir
    Path tmp;

    /** Found by the suite: an entry name with a newline (from a PAX record) made a two-line error. */
    @Test
    void entryNamesWithControlCharactersGiveOneLineErrors() throws Exception {
        Path shard = tmp.resolve("s.tar");
        try (TarArchiveOutputStream o = new TarArchiveOutputStream(Files.newOutputStream(shard))) {
            o.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e = new TarArchiveEntry("a/../../b\n99 size=1.txt");
            e.setSize(1);
            o.putArchiveEntry(e);
            o.write('x');
            o.closeArchiveEntry();
        }
        SiglipException e = assertThrows(SiglipException.class, () -> WebDatasetReader.read(shard, tmp.resolve("out")));
        assertTrue(e.getMessage().contains("outside its folder: a/../../b\\u000a99 size=1.txt"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** The long fuzz run's manifest.csv escape: a quoted header name holding a newline. */
    @Test
    void csvHeadersWithControlCharactersGiveOneLineErrors() throws Exception {
        Path csv = tmp.resolve("m.csv");
        Files.writeString(csv, "\"a\n.png\",b\nx.png,y\n");
        SiglipException e = assertThrows(SiglipException.class, () -> ManifestReader.read(csv));
        assertTrue(e.getMessage().contains("needs a header with 'image' and 'text' columns, got [a\\u000a.png, b]"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"manifest.jsonl", "manifest.csv", "tar"})
    void structureAwareCasesAreAcceptedOrRejectedCleanly(String kind) throws Exception {
        FuzzRunner.KindReport r = FuzzRunner.run(HostileTrainFiles.class.getName(), kind,
                Integer.getInteger("siglip.fuzz.hostileCases", CASES), 1_000_000, 30, "1g", FuzzHarness.seed(),
                Files.createDirectories(tmp.resolve(kind.replace('.', '_'))));
        System.out.println(r.row());
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() + r.rejected() == r.cases(), r.row());
    }
}
