package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

class RetrievalManifestTest {

    @TempDir
    Path dir;

    @Test
    void readsCaptionsAndMergesOneCaptionPerLine() throws Exception {
        Files.createDirectories(dir.resolve("img"));
        Files.write(dir.resolve("img/a.png"), new byte[] {1});
        Files.write(dir.resolve("img/b.png"), new byte[] {2});
        Path m = dir.resolve("m.jsonl");
        Files.writeString(m, "{\"image\": \"img/a.png\", \"captions\": [\"a1\", \"a2\"]}\n\n"
                + "{\"image\": \"img/b.png\", \"text\": \"b1\"}\n"
                + "{\"image\": \"img/../img/a.png\", \"text\": \"a3\"}\n");
        RetrievalManifest r = RetrievalManifest.read(m);
        assertEquals(2, r.entries().size());
        assertEquals(dir.resolve("img/a.png").toAbsolutePath(), r.entries().get(0).image());
        assertEquals(List.of("a1", "a2", "a3", "b1"), r.texts());
        assertArrayEquals(new int[] {0, 0, 0, 1}, r.textToImage());
    }

    @Test
    void reportsBadLines() throws Exception {
        Files.write(dir.resolve("a.png"), new byte[] {1});
        assertError("{\"image\": \"a.png\"}", "line 1: expected exactly one of");
        assertError("{\"image\": \"a.png\", \"text\": \"x\", \"captions\": [\"y\"]}",
                "exactly one of");
        assertError("{\"image\": \"missing.png\", \"text\": \"x\"}", "does not exist");
        assertError("{\"text\": \"x\"}", "missing string field \"image\"");
        assertError("{\"image\": \"a.png\", \"captions\": []}", "non-empty array");
        assertError("not json", "line 1");
        assertError("\n", "has no entries");
    }

    private void assertError(String content, String expected) throws Exception {
        Path m = dir.resolve("bad.jsonl");
        Files.writeString(m, content);
        SiglipException e = assertThrows(SiglipException.class, () -> RetrievalManifest.read(m));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
