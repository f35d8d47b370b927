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

class PromptTemplatesTest {

    @TempDir
    Path tmp;

    @Test
    void builtIns() {
        assertEquals(List.of("a photo of a {}."), PromptTemplates.simple().templates());
        PromptTemplates e = PromptTemplates.ensemble();
        assertEquals("ensemble", e.name());
        assertEquals(48, e.size());
        assertEquals(e.size(), new HashSet<>(e.templates()).size(), "templates are distinct");
        for (String t : e.templates()) {
            assertTrue(t.contains("{}"), t);
        }
        assertEquals(e, PromptTemplates.named("ensemble"));
        assertEquals(PromptTemplates.simple(), PromptTemplates.named("simple"));
        SiglipException clip = assertThrows(SiglipException.class,
                () -> PromptTemplates.named("clip80"));
        assertTrue(clip.getMessage().contains("not shipped"), clip.getMessage());
    }

    @Test
    void parsesFilesSkippingCommentsAndBlankLines() throws Exception {
        Path f = tmp.resolve("t.txt");
        Files.writeString(f, "# mine\n\na {} in the snow.\r\n  itap of a {}.  \n");
        PromptTemplates t = PromptTemplates.named(f.toString());
        assertEquals(List.of("a {} in the snow.", "itap of a {}."), t.templates());
        assertEquals(f.toString(), t.name());
        assertEquals(List.of("a dog in the snow.", "itap of a dog."), t.fill("dog"));
    }

    @Test
    void reportsTemplateErrorsWithTheLine() {
        SiglipException noPlaceholder = assertThrows(SiglipException.class,
                () -> PromptTemplates.parse("f.txt", "a {}.\na photo.\n"));
        assertTrue(noPlaceholder.getMessage().contains("f.txt line 2"), noPlaceholder.getMessage());
        assertTrue(noPlaceholder.getMessage().contains("no {} placeholder"));
        SiglipException named = assertThrows(SiglipException.class,
                () -> PromptTemplates.parse("f.txt", "a photo of {c}.\n"));
        assertTrue(named.getMessage().contains("line 1"), named.getMessage());
        SiglipException dup = assertThrows(SiglipException.class,
                () -> PromptTemplates.parse("f.txt", "a {}.\n\na {}.\n"));
        assertTrue(dup.getMessage().contains("line 3: duplicate"), dup.getMessage());
        assertThrows(SiglipException.class, () -> PromptTemplates.parse("f.txt", "# only\n\n"));
        SiglipException unknown = assertThrows(SiglipException.class,
                () -> PromptTemplates.named("no-such-set"));
        assertTrue(unknown.getMessage().contains("'simple', 'ensemble'"), unknown.getMessage());
    }

    @Test
    void canonicalisationFollowsBigVision() {
        assertEquals("a photo of a hen of the woods",
                PromptCanonicalizer.canonicalize("A  photo of a Hen of the Woods."));
        assertEquals("its a tshirt", PromptCanonicalizer.canonicalize("  It's a T-shirt!\t"));
        assertEquals(List.of("a photo of a great white shark"),
                ZeroShotClassifier.prompts("Great White Shark", PromptTemplates.simple(), true));
        assertEquals(List.of("a photo of a Great White Shark."),
                ZeroShotClassifier.prompts("Great White Shark", PromptTemplates.simple(), false));
    }
}
