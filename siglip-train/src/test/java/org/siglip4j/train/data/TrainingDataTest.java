package org.siglip4j.train.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.SiglipException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training data is read by its form: which folders are image folders, which files are refused. */
class TrainingDataTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderOfClassFoldersIsAnImageFolderUnlessSamplesLieAtTheTop() throws Exception {
        Files.createDirectories(tmp.resolve("cats"));
        assertTrue(TrainingData.isImageFolder(tmp));
        Files.writeString(tmp.resolve("0001.txt"), "a caption");
        assertFalse(TrainingData.isImageFolder(tmp));
    }

    @Test
    void anUnknownFileKindNamesTheOptionAndTheFormsAccepted() throws Exception {
        Path f = Files.writeString(tmp.resolve("data.parquet"), "x");
        SiglipException e = assertThrows(SiglipException.class,
                () -> TrainingData.read(f, "--train", tmp.resolve("wds"), null, false));
        assertTrue(e.getMessage().startsWith("--train " + f) && e.getMessage().contains(".jsonl or .csv"),
                e.getMessage());
    }

    @Test
    void classificationRefusesAFolderWithoutClassFolders() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("flat"));
        Files.writeString(d.resolve("0001.txt"), "a caption");
        SiglipException e = assertThrows(SiglipException.class,
                () -> TrainingData.read(d, "--val", tmp.resolve("wds"), null, true));
        assertTrue(e.getMessage().contains("has no class sub-folders"), e.getMessage());
    }

    @Test
    void templatesSkipBlankAndCommentLinesAndDefaultWithoutAFile() throws Exception {
        Path f = Files.writeString(tmp.resolve("t.txt"), "# ours\n\n  a {} photo \nart of a {}\n");
        assertEquals(List.of("a {} photo", "art of a {}"), TrainingData.templates(f));
        assertEquals(TrainingData.DEFAULT_TEMPLATES, TrainingData.templates(null));
        Path empty = Files.writeString(tmp.resolve("e.txt"), "# none\n");
        assertThrows(SiglipException.class, () -> TrainingData.templates(empty));
    }
}
