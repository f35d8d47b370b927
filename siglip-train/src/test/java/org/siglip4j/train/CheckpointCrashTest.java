package org.siglip4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.checkpoint.CheckpointLoader;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.testing.ChildJvm;
import org.siglip4j.core.testing.Fixtures;

/**
 * A child JVM writes training checkpoints with {@link CheckpointStore} (the fixture model, its
 * {@code logit_bias} and an optimiser tensor set to the step number so that files of different
 * steps cannot be mixed unnoticed) and is SIGKILLed at random moments, several times, resuming from
 * {@link CheckpointStore#latest()} each time like a restarted job. After every kill every complete
 * checkpoint loads as a model, its weights, optimiser state and trainer_state.json agree on the
 * step, and no announced checkpoint is lost.
 */
class CheckpointCrashTest {
    static final int KILLS = 5;

    @TempDir
    Path tmp;

    /** The child: resumes after the latest checkpoint and saves one per step until killed. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        CheckpointStore store = new CheckpointStore(dir, Fixtures.dir());
        try (NDManager m = NDManager.newBaseManager(); SiglipModel model = SiglipModel.fromPretrained(Fixtures.dir(), m)) {
            int step = store.latest().map(p -> CheckpointStore.readState(p).step() + 1).orElse(1);
            for (; ; step++) {
                CheckpointLoader.setArray(model.logitBias(), model.manager().create(new float[] {step}));
                Map<String, NDArray> opt = new LinkedHashMap<>();
                opt.put("exp_avg.marker", m.full(new Shape(256, 1024), (float) step)); // 1 MB
                JsonObject run = new JsonObject();
                run.addProperty("marker", step);
                store.save(step, model, opt, new CheckpointStore.State(step, step, run), 3);
                opt.values().forEach(NDArray::close);
                System.out.println("saved " + step);
                System.out.flush();
            }
        }
    }

    @Test
    void killedTrainerAlwaysLeavesTheLastCompleteCheckpointLoadable() throws Exception {
        Path dir = tmp.resolve("checkpoints");
        CheckpointStore store = new CheckpointStore(dir, null);
        Random rnd = new Random(11);
        int lastAnnounced = 0;
        int verified = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int kill = 0; kill < KILLS; kill++) {
                try (ChildJvm child = ChildJvm.start(CheckpointCrashTest.class, dir.toString())) {
                    String first = child.nextLine(180);
                    assertNotNull(first, "the child saved nothing: " + child.drain());
                    assertTrue(first.startsWith("saved "), first);
                    Thread.sleep(rnd.nextInt(1500));
                    child.kill();
                    lastAnnounced = Math.max(lastAnnounced, Integer.parseInt(first.substring(6)));
                    for (String l : child.drain()) {
                        if (l.startsWith("saved ")) {
                            lastAnnounced = Math.max(lastAnnounced, Integer.parseInt(l.substring(6)));
                        }
                    }
                }
                Optional<Path> latest = store.latest();
                assertTrue(latest.isPresent(), "no complete checkpoint after kill " + kill);
                int latestStep = CheckpointStore.readState(latest.get()).step();
                assertTrue(latestStep >= lastAnnounced, "announced step " + lastAnnounced + " lost; latest " + latestStep);
                List<Path> complete = store.complete();
                for (Path c : complete) {
                    int step = CheckpointStore.readState(c).step();
                    assertEquals(String.format("step-%07d", step), c.getFileName().toString());
                    try (NDManager sub = m.newSubManager(); SiglipModel model = SiglipModel.fromPretrained(c, sub)) {
                        assertEquals(step, model.logitBias().getArray().getFloat(0), 0f, c + " weights");
                        Map<String, NDArray> opt = CheckpointStore.readOptimizer(c, sub);
                        NDArray marker = opt.get("exp_avg.marker");
                        assertEquals(256 * 1024, marker.size());
                        assertEquals(step, marker.min().getFloat(), 0f);
                        assertEquals(step, marker.max().getFloat(), 0f);
                        assertTrue(Files.isRegularFile(c.resolve("spiece.model")), "processor files copied");
                    }
                    verified++;
                }
                try (Stream<Path> s = Files.list(dir)) {
                    assertTrue(s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count() <= 1,
                            "the next save removes what a killed one left");
                }
                try (Stream<Path> s = Files.list(dir)) {
                    assertEquals(complete.size(), s.filter(p -> p.getFileName().toString().startsWith("step-")).count(),
                            "no half-written or half-deleted step- folder");
                }
                try (Stream<Path> s = Files.list(dir)) {
                    System.out.println("after kill " + (kill + 1) + ": latest " + latest.get().getFileName() + ", announced "
                            + lastAnnounced + ", folder: " + s.map(p -> p.getFileName().toString()).sorted().toList());
                }
            }
        }
        System.out.println("checkpoint crash test: " + KILLS + " SIGKILLs survived, " + verified
                + " complete checkpoints verified, last step " + lastAnnounced);
    }
}
