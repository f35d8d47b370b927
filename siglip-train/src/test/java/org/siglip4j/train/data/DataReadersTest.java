package org.siglip4j.train.data;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataReadersTest {
    @TempDir
    Path dir;

    private Path touch(String rel) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1, 2, 3});
        return p;
    }

    @Test
    void jsonLinesWithSeveralCaptionsAndBadRecords() throws IOException {
        touch("img/a.jpg");
        touch("img/b.png");
        Path manifest = dir.resolve("train.jsonl");
        Files.writeString(manifest, String.join("\n",
                "{\"image\": \"img/a.jpg\", \"text\": \"a cat\"}",
                "{\"image\": \"img/b.png\", \"captions\": [\"a dog\", \"  \", \"a puppy\"]}",
                "{\"image\": \"img/missing.jpg\", \"text\": \"ghost\"}",
                "{\"image\": \"img/a.jpg\", \"text\": \"   \"}",
                "not json",
                "",
                "[1, 2]"));
        PairDataset d = ManifestReader.read(manifest);
        assertEquals(2, d.size());
        assertEquals(List.of("a cat"), d.pairs().get(0).captions());
        assertEquals(List.of("a dog", "a puppy"), d.pairs().get(1).captions());
        assertEquals(dir.resolve("img/b.png").toAbsolutePath(), d.pairs().get(1).image());
        assertEquals(4, d.skipped().size(), d.skipped().toString());
        assertTrue(d.skipped().get(0).contains("line 3") && d.skipped().get(0).contains("not found"));
        assertTrue(d.skipped().get(1).contains("line 4") && d.skipped().get(1).contains("no caption"));
        assertEquals(List.of(dir.resolve("img/missing.jpg").toAbsolutePath()), d.missingImages());
        assertTrue(d.missingImagesNote().startsWith("1 image file was not found, e.g. "
                + dir.resolve("img/missing.jpg").toAbsolutePath()), d.missingImagesNote());
    }

    @Test
    void manifestWhoseImagesAreAllMissingSaysSo() throws IOException {
        Path manifest = dir.resolve("wrong.csv");
        Files.writeString(manifest, "image,text\nelsewhere/a.jpg,a cat\nelsewhere/b.jpg,a dog\n");
        PairDataset d = ManifestReader.read(manifest);
        assertEquals(0, d.size());
        assertEquals(2, d.missingImages().size());
        assertTrue(d.missingImagesNote().startsWith("2 image files were not found, e.g. "
                + dir.resolve("elsewhere/a.jpg").toAbsolutePath()), d.missingImagesNote());
    }

    @Test
    void csvMergesRowsOfOneImage() throws IOException {
        touch("a.jpg");
        touch("b.jpg");
        Path manifest = dir.resolve("pairs.csv");
        Files.writeString(manifest, "image,text\na.jpg,\"a cat, sitting\"\nb.jpg,a dog\na.jpg,a kitten\nc.jpg,nothing\n");
        PairDataset d = ManifestReader.read(manifest);
        assertEquals(2, d.size());
        assertEquals(List.of("a cat, sitting", "a kitten"), d.pairs().get(0).captions());
        assertEquals(1, d.skipped().size());
    }

    @Test
    void csvWithoutTheRightHeaderIsAClearError() throws IOException {
        Path manifest = dir.resolve("bad.csv");
        Files.writeString(manifest, "file,caption\na.jpg,x\n");
        SiglipException e = assertThrows(SiglipException.class, () -> ManifestReader.read(manifest));
        assertTrue(e.getMessage().contains("'image' and 'text'"), e.getMessage());
        assertThrows(SiglipException.class, () -> ManifestReader.read(dir.resolve("nope.jsonl")));
        assertThrows(SiglipException.class, () -> ManifestReader.read(touch("x.parquet")));
    }

    private static void addEntry(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    @Test
    void webDatasetShardsAndFolders() throws IOException {
        Path shards = dir.resolve("shards");
        Files.createDirectories(shards);
        try (OutputStream o = Files.newOutputStream(shards.resolve("shard-000.tar"));
             TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            addEntry(t, "000001.jpg", new byte[] {1});
            addEntry(t, "000001.txt", "a red car\nan automobile\n".getBytes(StandardCharsets.UTF_8));
            addEntry(t, "000002.jpg", new byte[] {2});
            addEntry(t, "000003.txt", "orphan".getBytes(StandardCharsets.UTF_8));
        }
        PairDataset d = WebDatasetReader.read(shards, dir.resolve("unpacked"));
        assertEquals(1, d.size());
        assertEquals(List.of("a red car", "an automobile"), d.pairs().get(0).captions());
        assertEquals(2, d.skipped().size(), d.skipped().toString());
        // Second read reuses the completed extraction.
        assertEquals(1, WebDatasetReader.read(shards, dir.resolve("unpacked")).size());
    }

    @Test
    void tarEntriesOutsideTheFolderAreRejected() throws IOException {
        Path tar = dir.resolve("evil.tar");
        try (OutputStream o = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            addEntry(t, "../../escape.txt", new byte[] {1});
        }
        SiglipException e = assertThrows(SiglipException.class, () -> WebDatasetReader.read(tar, dir.resolve("out")));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escape.txt")));
    }

    @Test
    void imageFolderBecomesPromptedPairs() throws IOException {
        touch("folder/ankle_boot/1.png");
        touch("folder/ankle_boot/notes.txt");
        touch("folder/sneaker/2.JPG");
        PairDataset d = ImageFolderPairs.read(dir.resolve("folder"), List.of("a photo of a {}.", "an {} item"));
        assertEquals(2, d.size());
        assertEquals(List.of("a photo of a ankle boot.", "an ankle boot item"), d.pairs().get(0).captions());
        assertThrows(SiglipException.class, () -> ImageFolderPairs.read(dir.resolve("folder"), List.of("no slot")));
        Files.createDirectories(dir.resolve("empty/cls"));
        SiglipException e = assertThrows(SiglipException.class, () -> ImageFolderPairs.read(dir.resolve("empty"), List.of("{}")));
        assertTrue(e.getMessage().contains("no images found"));
    }

    @Test
    void samplerIsADeterministicPermutationPerEpoch() {
        EpochSampler s = new EpochSampler(100, 42);
        int[] e0 = s.order(0);
        assertArrayEquals(e0, new EpochSampler(100, 42).order(0));
        assertFalse(Arrays.equals(e0, s.order(1)));
        assertFalse(Arrays.equals(e0, new EpochSampler(100, 43).order(0)));
        Set<Integer> seen = new HashSet<>();
        for (int i : e0) {
            seen.add(i);
        }
        assertEquals(100, seen.size());
        int[] counts = new int[3];
        for (int r = 0; r < 300; r++) {
            counts[s.captionIndex(0, r, 3)]++;
        }
        for (int c : counts) {
            assertTrue(c > 60, Arrays.toString(counts)); // every caption gets used
        }
        assertThrows(IllegalArgumentException.class, () -> new EpochSampler(0, 1));
    }
}
