package org.siglip4j.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.testing.ChildJvm;
import org.siglip4j.core.testing.Fixtures;

/**
 * A child JVM rewrites a 16 MB {@code model.safetensors} and a {@code config.json} in a loop and is
 * SIGKILLed at random moments: whatever lies under the final names afterwards is always a whole
 * file of one generation (the safetensors data all carry the fill byte its metadata names, the
 * config parses and its label count matches), never a truncated or mixed one.
 */
class AtomicWriteCrashTest {
    static final int KILLS = 8;
    static final int BYTES = 16 << 20;

    @TempDir
    Path tmp;

    /** The child: writes generation after generation until killed. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        SiglipConfig base = SiglipConfig.load(Fixtures.dir());
        byte[] data = new byte[BYTES];
        for (int gen = Integer.parseInt(args[1]); ; gen++) {
            byte fill = (byte) (gen % 251);
            java.util.Arrays.fill(data, fill);
            SafetensorsWriter.writeRaw(dir.resolve("model.safetensors"),
                    Map.of("w", new RawTensor(DType.U8, new long[] {BYTES}, ByteBuffer.wrap(data))),
                    Map.of("format", "pt", "generation", Integer.toString(gen)));
            Map<Integer, String> labels = new TreeMap<>();
            for (int i = 0; i <= gen % 500; i++) {
                labels.put(i, "label " + gen + "/" + i);
            }
            base.withId2label(labels).save(dir.resolve("config.json"));
            System.out.println("wrote " + gen);
            System.out.flush();
        }
    }

    @Test
    void killedWriterNeverLeavesATruncatedFileUnderTheFinalName() throws Exception {
        Random rnd = new Random(7);
        int gen = 0;
        int checked = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            int lastAnnounced = -1;
            try (ChildJvm child = ChildJvm.start(AtomicWriteCrashTest.class, tmp.toString(), Integer.toString(gen))) {
                String first = child.nextLine(120);
                assertNotNull(first, "the child wrote nothing: " + child.drain());
                Thread.sleep(rnd.nextInt(400));
                child.kill();
                for (String l : child.drain()) {
                    if (l.startsWith("wrote ")) {
                        lastAnnounced = Integer.parseInt(l.substring(6));
                    }
                }
                lastAnnounced = Math.max(lastAnnounced, Integer.parseInt(first.substring(6)));
            }
            // safetensors: a whole file of one generation, at least as new as the last announced one
            try (SafetensorsReader r = SafetensorsReader.open(tmp.resolve("model.safetensors"))) {
                int g = Integer.parseInt(r.metadata().get("generation"));
                assertTrue(g >= lastAnnounced, g + " < " + lastAnnounced);
                TensorInfo t = r.info("w");
                assertEquals(BYTES, t.byteLength());
                byte[] all = Files.readAllBytes(tmp.resolve("model.safetensors"));
                byte fill = (byte) (g % 251);
                for (int i = all.length - BYTES; i < all.length; i++) {
                    if (all[i] != fill) {
                        throw new AssertionError("byte " + i + " of generation " + g + " is " + all[i]);
                    }
                }
                gen = g + 1;
            }
            SiglipConfig c = SiglipConfig.load(tmp.resolve("config.json"));
            String first = c.id2label().get(0);
            int cg = Integer.parseInt(first.substring(6, first.indexOf('/')));
            assertEquals(cg % 500 + 1, c.numLabels(), "a config of one generation");
            assertTrue(cg >= lastAnnounced, cg + " < " + lastAnnounced);
            checked++;
        }
        assertEquals(KILLS, checked);
        System.out.println("atomic writes: " + KILLS + " SIGKILLs survived, last generation " + (gen - 1));
    }
}
