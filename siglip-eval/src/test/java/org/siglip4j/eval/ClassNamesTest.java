package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

class ClassNamesTest {

    @TempDir
    Path tmp;

    @Test
    void imagenetFromDjlResource() {
        ClassNames in = ClassNames.imagenet();
        List<String> keys = in.keys();
        assertEquals(1000, keys.size());
        assertEquals("n01440764", keys.get(0));
        assertEquals("n15075141", keys.get(999));
        List<String> sorted = keys.stream().sorted().toList();
        assertEquals(sorted, keys, "DJL's order is the sorted WordNet-id order (class indices)");
        assertEquals(List.of("tench", "goldfish", "toilet tissue"),
                in.namesFor(List.of("n01440764", "n01443537", "n15075141")));
        assertEquals(1000, new HashSet<>(in.names()).size(), "names are unique after renaming");
        assertEquals(List.of("crane bird", "construction crane", "maillot", "tank suit"),
                in.namesFor(List.of("n02012849", "n03126707", "n03710637", "n03710721")));
    }

    @Test
    void folderNamesMapToImagenetOnlyWhenAllAreWordNetIds() {
        assertEquals(List.of("tench", "great white shark"),
                ClassNames.forFolders(List.of("n01440764", "n01484850")));
        assertEquals(List.of("n01440764", "golden retriever"),
                ClassNames.forFolders(List.of("n01440764", "golden_retriever")));
        assertEquals(List.of("n00000000"), ClassNames.forFolders(List.of("n00000000")));
    }

    @Test
    void readsLineAndJsonFiles() throws Exception {
        Path lines = tmp.resolve("names.txt");
        Files.writeString(lines, "cat\n\n# comment\nsea lion\n");
        assertEquals(List.of("cat", "sea lion"),
                ClassNames.fromFile(lines).namesFor(List.of("c1", "c2")));
        Path arr = tmp.resolve("arr.json");
        Files.writeString(arr, "[\"cat\", \"dog\"]");
        assertEquals(List.of("cat", "dog"), ClassNames.fromFile(arr).namesFor(List.of("x", "y")));
        Path obj = tmp.resolve("obj.json");
        Files.writeString(obj, "{\"b_dir\": \"dog\", \"a_dir\": \"cat\"}");
        assertEquals(List.of("cat", "dog"),
                ClassNames.fromFile(obj).namesFor(List.of("a_dir", "b_dir")));
        Path djl = tmp.resolve("djl.json");
        Files.writeString(djl, "[[\"k1\", \"first\", \"first, one\"], [\"k2\", \"second\"]]");
        assertEquals(List.of("second"), ClassNames.fromFile(djl).namesFor(List.of("k2")));
    }

    @Test
    void mismatchesAreClearErrors() throws Exception {
        Path lines = tmp.resolve("names.txt");
        Files.writeString(lines, "cat\ndog\n");
        SiglipException count = assertThrows(SiglipException.class,
                () -> ClassNames.fromFile(lines).namesFor(List.of("a", "b", "c")));
        assertTrue(count.getMessage().contains("2 class names but the data has 3"),
                count.getMessage());
        SiglipException missing = assertThrows(SiglipException.class,
                () -> ClassNames.imagenet().namesFor(List.of("cats")));
        assertTrue(missing.getMessage().contains("no class name for folder 'cats'"),
                missing.getMessage());
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "[\"cat\", ");
        assertThrows(SiglipException.class, () -> ClassNames.fromFile(bad));
    }
}
