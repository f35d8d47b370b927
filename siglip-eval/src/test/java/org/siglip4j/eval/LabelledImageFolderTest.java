package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

class LabelledImageFolderTest {

    @TempDir
    Path root;

    private void touch(String rel) throws Exception {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[] {1});
    }

    private List<String> rel(LabelledImageFolder f) {
        return f.images().stream().map(p -> root.relativize(p).toString()).toList();
    }

    @Test
    void readsSortedImagesAndKeepsEmptyClasses() throws Exception {
        touch("zebra/b.png");
        touch("zebra/a.JPEG");
        touch("zebra/notes.txt");
        touch("zebra/.hidden.png");
        touch("ant/sub/x.jpg");
        touch("ant/10.jpg");
        touch("ant/2.jpg");
        Files.createDirectories(root.resolve("empty_class"));
        Files.createDirectories(root.resolve(".git"));
        touch("loose.png");
        LabelledImageFolder f = LabelledImageFolder.read(root);
        assertEquals(List.of("ant", "empty_class", "zebra"), f.classFolders());
        assertEquals(List.of("ant/10.jpg", "ant/2.jpg", "ant/sub/x.jpg", "zebra/a.JPEG",
                "zebra/b.png"), rel(f));
        assertArrayEquals(new int[] {0, 0, 0, 2, 2}, f.labels());
    }

    @Test
    void limitFirstAndStratified() throws Exception {
        for (String c : List.of("a", "b", "c")) {
            for (int i = 0; i < 3; i++) {
                touch(c + "/" + i + ".png");
            }
        }
        LabelledImageFolder f = LabelledImageFolder.read(root);
        assertEquals(List.of("a/0.png", "a/1.png", "a/2.png", "b/0.png"),
                rel(f.limit(4, LabelledImageFolder.LimitMode.FIRST)));
        LabelledImageFolder s = f.limit(4, LabelledImageFolder.LimitMode.STRATIFIED);
        assertEquals(List.of("a/0.png", "a/1.png", "b/0.png", "c/0.png"), rel(s));
        assertEquals(3, s.classFolders().size());
        assertSame(f, f.limit(100, LabelledImageFolder.LimitMode.STRATIFIED));
        assertThrows(SiglipException.class, () -> f.limit(0, LabelledImageFolder.LimitMode.FIRST));
    }

    @Test
    void noImagesIsAClearError() throws Exception {
        touch("cats/readme.txt");
        SiglipException e = assertThrows(SiglipException.class,
                () -> LabelledImageFolder.read(root));
        assertEquals("no images found under " + root
                + " (expected class sub-folders with images)", e.getMessage());
        assertThrows(SiglipException.class, () -> LabelledImageFolder.read(root.resolve("nope")));
    }
}
