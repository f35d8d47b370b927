package org.siglip4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.model.PretrainedSiglip;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Training checkpoints under {@code OUT/checkpoints/step-NNNNNNN/}: an HF model folder
 * (config.json, model.safetensors, and the tokenizer/preprocessor files of the source model) plus
 * {@code optimizer.safetensors} and {@code trainer_state.json}.
 *
 * <p>Nothing is lost on a crash: a checkpoint is written into a hidden temporary folder, with
 * {@code trainer_state.json} last, and only then renamed into place; a folder without that file, or
 * a temporary one, is never taken for a checkpoint. The temporary folder a killed save leaves
 * behind is deleted by the next save. One writer per folder.
 */
public final class CheckpointStore {
    /** Files of the source model folder copied into every checkpoint so it is a complete model. */
    public static final List<String> PROCESSOR_FILES = List.of("tokenizer.json", "spiece.model",
            "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json");
    static final String STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private final Path dir;
    private final Path processorSource;

    /**
     * @param dir the checkpoints folder
     * @param processorSource folder whose tokenizer/preprocessor files are copied into checkpoints
     *     (null for none)
     */
    public CheckpointStore(Path dir, Path processorSource) {
        this.dir = dir;
        this.processorSource = processorSource;
    }

    /**
     * What a checkpoint holds besides tensors.
     *
     * @param step optimiser steps completed
     * @param optimizerSteps the optimiser's own step count (for bias correction)
     * @param state free-form run state (seed, config, last loss) as JSON
     */
    public record State(int step, int optimizerSteps, JsonObject state) {}

    /** Saves a checkpoint atomically and prunes old ones, keeping {@code keep}. Returns its folder. */
    public Path save(int step, PretrainedSiglip model, Map<String, NDArray> optimizerState, State state, int keep) {
        Path target = dir.resolve(String.format("step-%07d", step));
        Path tmp = dir.resolve(String.format(".tmp-step-%07d-%d", step, System.nanoTime()));
        try {
            removeStaleTemporaries();
            Files.createDirectories(tmp);
            model.save(tmp);
            copyProcessorFiles(tmp);
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), optimizerState);
            JsonObject json = new JsonObject();
            json.addProperty("step", state.step());
            json.addProperty("optimizer_steps", state.optimizerSteps());
            json.add("run", state.state());
            // Written last: its presence marks a complete checkpoint.
            Files.writeString(tmp.resolve(STATE), GSON.toJson(json), StandardCharsets.UTF_8);
            replaceFolder(tmp, target, dir.resolve(".tmp-" + target.getFileName() + "-deleting-" + System.nanoTime()));
            prune(keep);
            return target;
        } catch (IOException e) {
            throw new SiglipException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    /**
     * Deletes the temporary folders of saves that never finished (a killed process leaves one, as
     * large as a checkpoint). Only one process may write checkpoints into a folder at a time.
     */
    public void removeStaleTemporaries() {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".tmp-step-")).toList()) {
                deleteTree(p);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the final model of a run atomically to {@code target} (an HF folder with the
     * processor files), replacing what was there.
     */
    public void writeModel(PretrainedSiglip model, Path target) {
        try {
            Path tmp = target.resolveSibling("." + target.getFileName() + "-" + System.nanoTime());
            Files.createDirectories(tmp);
            model.save(tmp);
            copyProcessorFiles(tmp);
            replaceFolder(tmp, target, target.resolveSibling("." + target.getFileName() + "-old-" + System.nanoTime()));
        } catch (IOException e) {
            throw new SiglipException("cannot write the final model to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Copies the tokenizer and preprocessor files of the source model into {@code to}. */
    public void copyProcessorFiles(Path to) throws IOException {
        if (processorSource == null) {
            return;
        }
        for (String f : PROCESSOR_FILES) {
            Path src = processorSource.resolve(f);
            if (Files.isRegularFile(src)) {
                Files.copy(src, to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Path> latest() {
        return complete().stream().max(Comparator.naturalOrder());
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> complete() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("step-\\d{7}"))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .sorted().toList();
        } catch (IOException e) {
            throw new SiglipException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads the state of a checkpoint. */
    public static State readState(Path checkpoint) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(checkpoint.resolve(STATE))).getAsJsonObject();
            return new State(o.get("step").getAsInt(), o.get("optimizer_steps").getAsInt(),
                    o.has("run") ? o.getAsJsonObject("run") : new JsonObject());
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("checkpoint " + checkpoint + " has no readable " + STATE + ": " + e.getMessage(), e);
        }
    }

    /** Reads the optimiser tensors of a checkpoint into {@code manager}. */
    public static Map<String, NDArray> readOptimizer(Path checkpoint, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (SafetensorsReader r = SafetensorsReader.open(checkpoint.resolve(OPTIMIZER))) {
            for (String name : r.tensors().keySet()) {
                out.put(name, r.load(name, manager));
            }
        }
        return out;
    }

    private void prune(int keep) {
        List<Path> all = complete();
        for (int i = 0; i < all.size() - keep; i++) {
            discard(all.get(i));
        }
    }

    /**
     * Deletes a checkpoint folder by first renaming it to a temporary name (atomic), so a crash
     * while deleting leaves a temporary folder that the next save removes, never a half-deleted
     * {@code step-} folder.
     */
    private void discard(Path checkpoint) {
        Path trash = dir.resolve(".tmp-" + checkpoint.getFileName() + "-deleting-" + System.nanoTime());
        try {
            Files.move(checkpoint, trash, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new SiglipException("cannot remove checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
        deleteTree(trash);
    }

    /**
     * Moves the finished folder {@code tmp} to {@code target}. Nothing is deleted before the new
     * folder is in place: an existing target is first renamed to {@code aside}, so a crash leaves
     * the old folder under its own name or under {@code aside}.
     */
    private static void replaceFolder(Path tmp, Path target, Path aside) throws IOException {
        boolean replacing = Files.exists(target);
        if (replacing) {
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        if (replacing) {
            deleteTree(aside);
        }
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
