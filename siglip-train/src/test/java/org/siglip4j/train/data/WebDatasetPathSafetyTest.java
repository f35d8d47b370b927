package org.siglip4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

/**
 * WebDataset tar shards are untrusted: unpacking never writes outside the extraction folder
 * ({@code ..}, absolute names, symbolic and hard links), and a shard cannot fake the marker that
 * says it was unpacked completely.
 */
class WebDatasetPathSafetyTest {
    @TempDir
    Path tmp;

    record Entry(String name, byte linkFlag, String target, String content) {
        static Entry file(String name, String content) {
            return new Entry(name, TarConstants.LF_NORMAL, null, content);
        }
    }

    Path tar(String name, Entry... entries) throws IOException {
        Path f = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(f); TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry te = new TarArchiveEntry(e.name(), e.linkFlag(), true);
                byte[] data = e.content() == null ? new byte[0] : e.content().getBytes(StandardCharsets.UTF_8);
                if (e.target() != null) {
                    te.setLinkName(e.target());
                } else {
                    te.setSize(data.length);
                }
                t.putArchiveEntry(te);
                if (e.target() == null) {
                    t.write(data);
                }
                t.closeArchiveEntry();
            }
        }
        return f;
    }

    List<Path> filesUnder(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !Files.isDirectory(p)).toList();
        }
    }

    @Test
    void entriesLeadingOutsideAreRejectedBeforeAnythingIsWrittenThere() throws IOException {
        Path out = tmp.resolve("out");
        for (String bad : List.of("../escape.txt", "a/../../escape.txt", "/tmp/escape-abs.txt")) {
            Path shard = tar("bad.tar", Entry.file("ok.txt", "fine"), Entry.file(bad, "evil"));
            SiglipException e = assertThrows(SiglipException.class, () -> WebDatasetReader.read(shard, out));
            assertTrue(e.getMessage().contains("outside its folder"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("escape.txt")));
            assertFalse(Files.exists(out.resolve("escape.txt")));
            assertFalse(Files.exists(Path.of("/tmp/escape-abs.txt")));
            assertFalse(Files.exists(out.resolve("bad/.complete")), "a refused shard is not marked complete");
        }
    }

    @Test
    void linksInAShardAreNeverCreatedNorFollowed() throws IOException {
        Path secret = tmp.resolve("secret.txt");
        Files.writeString(secret, "secret");
        Path out = tmp.resolve("out");
        Path shard = tar("links.tar",
                Entry.file("000.jpg", "jpeg bytes"),
                new Entry("000.txt", TarConstants.LF_SYMLINK, secret.toString(), null),
                new Entry("001.txt", TarConstants.LF_LINK, secret.toString(), null),
                new Entry("dir", TarConstants.LF_SYMLINK, tmp.toString(), null),
                Entry.file("dir/002.txt", "written through the link?"));
        PairDataset d;
        try {
            d = WebDatasetReader.read(shard, out);
        } catch (SiglipException e) {
            d = null; // refusing the shard is also safe
        }
        for (Path p : filesUnder(out)) {
            assertFalse(Files.isSymbolicLink(p), "link created: " + p);
            assertTrue(p.toRealPath().startsWith(out.toRealPath()), p + " leads outside");
            assertFalse(Files.readString(p).contains("secret"), p + " holds the linked file's content");
        }
        assertFalse(Files.exists(tmp.resolve("002.txt")), "nothing written through a link");
        assertEquals("secret", Files.readString(secret));
        if (d != null) {
            d.pairs().forEach(p -> p.captions().forEach(c -> assertFalse(c.contains("secret"))));
        }
    }

    @Test
    void aShardCannotFakeItsCompletionMarker() throws IOException {
        Path out = tmp.resolve("out");
        Path shard = tar("fake.tar", Entry.file(".complete", ""), Entry.file("000.jpg", "x"), Entry.file("000.txt", "a cat"),
                Entry.file("../escape.txt", "evil"));
        assertThrows(SiglipException.class, () -> WebDatasetReader.read(shard, out));
        // the run was refused half-way: the next read must not trust what was unpacked so far
        assertFalse(Files.exists(out.resolve("fake/.complete")));
    }

    @Test
    void textOnlyFolderGivesNoPairsAndSaysWhy() throws IOException {
        Path dir = tmp.resolve("texts");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("000.txt"), "a cat");
        Files.writeString(dir.resolve("001.txt"), "a dog");
        PairDataset d = WebDatasetReader.read(dir, tmp.resolve("x"));
        assertEquals(0, d.pairs().size());
        assertEquals(List.of("000: caption without image", "001: caption without image"), d.skipped());
    }
}
