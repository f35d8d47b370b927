package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

class EmbeddingCacheTest {

    @TempDir
    Path tmp;

    private List<Path> images(int n) throws Exception {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = tmp.resolve("img/" + i + ".png");
            FakeEmbeddingModel.png(p, 0x102030 * (i + 1), i);
            out.add(p);
        }
        return out;
    }

    private static EmbeddingRun run(FakeEmbeddingModel model, Path cacheDir, List<Path> images) {
        EmbeddingCache cache = EmbeddingCache.open(cacheDir, model.id(), model.preprocessingId());
        return new BatchEmbedder(model, cache, 2, false).embedImages(images);
    }

    @Test
    void secondRunEmbedsNothingAndReturnsTheSameRows() throws Exception {
        List<Path> imgs = images(5);
        Path dir = tmp.resolve("cache");
        FakeEmbeddingModel first = new FakeEmbeddingModel("4/resize");
        EmbeddingRun r1 = run(first, dir, imgs);
        assertEquals(5, first.imagesEmbedded);
        assertEquals(3, first.imageCalls, "5 images in batches of 2");
        assertEquals(5, r1.computed());
        FakeEmbeddingModel second = new FakeEmbeddingModel("4/resize");
        EmbeddingRun r2 = run(second, dir, imgs);
        assertEquals(0, second.imagesEmbedded);
        assertEquals(0, r2.computed());
        assertEquals(5, r2.fromCache());
        for (int i = 0; i < imgs.size(); i++) {
            assertArrayEquals(r1.embeddings()[i], r2.embeddings()[i]);
            assertArrayEquals(FakeEmbeddingModel.image(imgs.get(i)), r2.embeddings()[i]);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "one file per (model, preprocessing), no temporaries left");
        }
    }

    @Test
    void changedFileAndOtherPreprocessingAreReEmbedded() throws Exception {
        List<Path> imgs = images(3);
        Path dir = tmp.resolve("cache");
        run(new FakeEmbeddingModel("4/resize"), dir, imgs);
        // a different image with another size and a later mtime
        FakeEmbeddingModel.png(imgs.get(1), 0xff0000, 0xabcdef);
        Files.setLastModifiedTime(imgs.get(1), java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(imgs.get(1)).toMillis() + 5000));
        FakeEmbeddingModel again = new FakeEmbeddingModel("4/resize");
        EmbeddingRun r = run(again, dir, imgs);
        assertEquals(1, again.imagesEmbedded);
        assertArrayEquals(FakeEmbeddingModel.image(imgs.get(1)), r.embeddings()[1]);
        FakeEmbeddingModel crop = new FakeEmbeddingModel("4/resize-crop0.875");
        run(crop, dir, imgs);
        assertEquals(3, crop.imagesEmbedded, "another preprocessing has its own cache");
        EmbeddingCache a = EmbeddingCache.open(dir, "fake-colour-v1", "4/resize");
        EmbeddingCache b = EmbeddingCache.open(dir, "fake-colour-v1", "4/resize-crop0.875");
        assertNotEquals(a.file(), b.file());
        assertEquals(3, a.size());
        assertNull(EmbeddingCache.open(dir, "other-model", "4/resize").get(imgs.get(0)));
    }

    @Test
    void truncatedOrForeignCacheFileIsAClearError() throws Exception {
        List<Path> imgs = images(2);
        Path dir = tmp.resolve("cache");
        run(new FakeEmbeddingModel("4/resize"), dir, imgs);
        Path file = EmbeddingCache.open(dir, "fake-colour-v1", "4/resize").file();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        SiglipException e = assertThrows(SiglipException.class,
                () -> EmbeddingCache.open(dir, "fake-colour-v1", "4/resize"));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("delete"),
                e.getMessage());
        Files.writeString(file, "hello world, not a cache");
        assertThrows(SiglipException.class,
                () -> EmbeddingCache.open(dir, "fake-colour-v1", "4/resize"));
    }

    @Test
    void nonUnitRowsFromAModelAreRejected() throws Exception {
        List<Path> imgs = images(1);
        EmbeddingModel bad = new FakeEmbeddingModel("x") {
            @Override
            public float[][] embedImages(List<Path> images) {
                return new float[][] {{1f, 1f}};
            }
        };
        SiglipException e = assertThrows(SiglipException.class,
                () -> new BatchEmbedder(bad, null, 4, false).embedImages(imgs));
        assertTrue(e.getMessage().contains("L2 norm"), e.getMessage());
    }
}
