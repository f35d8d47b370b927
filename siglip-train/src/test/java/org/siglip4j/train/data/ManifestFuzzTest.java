package org.siglip4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.fuzz.FuzzHarness;
import org.siglip4j.core.fuzz.Mutator;

/**
 * Mutation fuzzing of {@link ManifestReader}, JSON Lines and CSV, over seeds that use every
 * feature (several captions, {@code captions} arrays, quoting, embedded newlines, Unicode, missing
 * images). Every input is read as a manifest or rejected with a SiglipException; every accepted
 * pair points at an existing file and has at least one non-blank caption.
 */
class ManifestFuzzTest {
    @TempDir
    Path tmp;

    static final String JSONL = """
            {"image": "a.png", "text": "a red square"}
            {"image": "b.png", "text": ["two", "captions"]}
            {"image": "sub/c.png", "captions": ["café crème", "🙂"], "extra": {"k": [1, 2.5, null]}}
            {"image": "missing.png", "text": "gone"}
            {"image": "a.png", "text": "   "}

            [1, 2, 3]
            {"text": "no image"}
            """;
    static final String CSV = """
            image,text,source
            a.png,a red square,web
            b.png,"quoted, with comma",web
            b.png,"multi
            line \"\"caption\"\"\",book
            sub/c.png,café,x
            missing.png,gone,x
            a.png,,x
            """;

    void fuzz(String name, String seed, String fileName) throws IOException {
        // tmpfs when there is one: rewriting a file on disk 10,000 times is what would be slow
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "manifest-fuzz") : tmp;
        Files.createDirectories(dir.resolve("sub"));
        for (String f : List.of("a.png", "b.png", "sub/c.png")) {
            Files.write(dir.resolve(f), new byte[] {1, 2, 3});
        }
        Path manifest = dir.resolve(fileName);
        try {
            fuzz(name, seed, manifest);
        } finally {
            if (!dir.equals(tmp)) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }

    void fuzz(String name, String seed, Path manifest) {
        Mutator mutator = new Mutator(List.of(seed.getBytes(StandardCharsets.UTF_8)));
        FuzzHarness.Report r = FuzzHarness.run(name, FuzzHarness.iterations(),
                rnd -> rnd.nextInt(4) == 0 ? Mutator.replaceNumber(mutator.mutate(rnd), rnd) : mutator.mutate(rnd),
                input -> {
                    Files.write(manifest, input);
                    PairDataset d = ManifestReader.read(manifest);
                    for (ImageTextPair p : d.pairs()) {
                        assertTrue(Files.isRegularFile(p.image()), p.image().toString());
                        assertTrue(!p.captions().isEmpty() && p.captions().stream().noneMatch(String::isBlank),
                                p.captions().toString());
                    }
                }, List.of(), 10, 64L << 20);
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() > 0, r.toString());
    }

    @Test
    void mutatedJsonLinesManifests() throws IOException {
        fuzz("manifest.jsonl", JSONL, "m.jsonl");
    }

    @Test
    void mutatedCsvManifests() throws IOException {
        fuzz("manifest.csv", CSV, "m.csv");
    }

    /**
     * A decision, not an accident: a manifest is written by the user who runs the training, like a
     * list of file names on a command line, so its image paths may be absolute or lead out of its
     * folder with {@code ..}. They are only ever read, never written; the untrusted inputs whose
     * names are confined are downloaded files, sharded-checkpoint indexes and tar shards.
     */
    @Test
    void manifestImagePathsMayLeaveTheManifestFolderByDesign() throws IOException {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path a = Files.write(images.resolve("a.png"), new byte[] {1});
        Path sub = Files.createDirectories(tmp.resolve("manifests"));
        Path manifest = sub.resolve("m.jsonl");
        Files.writeString(manifest, "{\"image\": \"../images/a.png\", \"text\": \"relative\"}\n"
                + "{\"image\": \"" + a.toAbsolutePath() + "\", \"text\": \"absolute\"}\n");
        PairDataset d = ManifestReader.read(manifest);
        assertEquals(2, d.pairs().size(), d.skipped().toString());
        for (ImageTextPair p : d.pairs()) {
            assertEquals(a.toRealPath(), p.image().toRealPath());
        }
    }
}
