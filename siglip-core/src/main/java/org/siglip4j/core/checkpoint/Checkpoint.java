package org.siglip4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;

/**
 * The weights of a Hugging Face model folder: {@code model.safetensors}, or the shards listed by
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name to shard file). Shard names
 * must stay inside the folder: absolute paths, {@code ..} and links leading out are rejected.
 */
public final class Checkpoint implements AutoCloseable {
    /** Single-file weights name. */
    public static final String SINGLE = "model.safetensors";
    /** Sharded weights index name. */
    public static final String INDEX = "model.safetensors.index.json";

    private final Path source;
    private final List<SafetensorsReader> readers;
    private final Map<String, SafetensorsReader> byTensor;

    private Checkpoint(Path source, List<SafetensorsReader> readers, Map<String, SafetensorsReader> byTensor) {
        this.source = source;
        this.readers = readers;
        this.byTensor = byTensor;
    }

    /**
     * Opens a model folder, a {@code .safetensors} file or an index file.
     *
     * @param path folder or file
     * @return the checkpoint (close it)
     */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(SINGLE))) {
                return single(path.resolve(SINGLE));
            }
            if (Files.isRegularFile(path.resolve(INDEX))) {
                return sharded(path.resolve(INDEX));
            }
            throw new SiglipException(path + ": no " + SINGLE + " or " + INDEX + " in this folder");
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return sharded(path);
        }
        return single(path);
    }

    private static Checkpoint single(Path file) {
        SafetensorsReader r = SafetensorsReader.open(file);
        Map<String, SafetensorsReader> m = new TreeMap<>();
        r.tensors().keySet().forEach(k -> m.put(k, r));
        return new Checkpoint(file, List.of(r), m);
    }

    private static Checkpoint sharded(Path index) {
        Path dir = index.toAbsolutePath().getParent();
        JsonObject root;
        try {
            JsonElement e = BoundedJson.parse(Files.readString(index, StandardCharsets.UTF_8), index.toString());
            if (!e.isJsonObject() || !e.getAsJsonObject().has("weight_map")
                    || !e.getAsJsonObject().get("weight_map").isJsonObject()) {
                throw new SiglipException(index + ": expected an object with a weight_map object");
            }
            root = e.getAsJsonObject();
        } catch (IOException e) {
            throw new SiglipException("cannot read " + index + ": " + e.getMessage(), e);
        }
        Map<String, String> weightMap = new TreeMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject("weight_map").entrySet()) {
            if (!e.getValue().isJsonPrimitive()) {
                throw new SiglipException(index + ": weight_map." + e.getKey() + " must be a file name");
            }
            weightMap.put(e.getKey(), e.getValue().getAsString());
        }
        Map<String, SafetensorsReader> shards = new LinkedHashMap<>();
        List<SafetensorsReader> readers = new ArrayList<>();
        Map<String, SafetensorsReader> byTensor = new TreeMap<>();
        try {
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shard = e.getValue();
                SafetensorsReader r = shards.get(shard);
                if (r == null) {
                    r = SafetensorsReader.open(safeShard(index, dir, shard));
                    shards.put(shard, r);
                    readers.add(r);
                }
                if (!r.tensors().containsKey(e.getKey())) {
                    throw new SiglipException(index + ": weight_map puts '" + e.getKey() + "' in " + shard
                            + ", which has no such tensor");
                }
                byTensor.put(e.getKey(), r);
            }
        } catch (RuntimeException ex) {
            readers.forEach(SafetensorsReader::close);
            throw ex;
        }
        return new Checkpoint(index, readers, byTensor);
    }

    private static Path safeShard(Path index, Path dir, String shard) {
        if (shard.isEmpty() || shard.contains("..") || shard.startsWith("/") || shard.startsWith("\\")
                || shard.contains(":") || Path.of(shard).isAbsolute()) {
            throw new SiglipException(index + ": shard name '" + shard
                    + "' is not a plain file name inside the model folder");
        }
        Path p = dir.resolve(shard).normalize();
        if (!p.startsWith(dir.normalize())) {
            throw new SiglipException(index + ": shard '" + shard + "' points outside the model folder");
        }
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(dir.toRealPath())) {
                throw new SiglipException(index + ": shard '" + shard + "' is a link that leads outside the model folder ("
                        + real + ")");
            }
        } catch (IOException e) {
            throw new SiglipException(index + ": shard '" + shard + "' not found in " + dir);
        }
        return p;
    }

    /** The file this checkpoint was opened from. */
    public Path source() {
        return source;
    }

    /** Every tensor's header entry by name (sorted). */
    public Map<String, TensorInfo> tensors() {
        Map<String, TensorInfo> m = new TreeMap<>();
        byTensor.forEach((k, r) -> m.put(k, r.tensors().get(k)));
        return Collections.unmodifiableMap(m);
    }

    /** Whether a tensor of that name exists. */
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /** Loads one tensor into {@code manager}. */
    public NDArray load(String name, NDManager manager) {
        SafetensorsReader r = byTensor.get(name);
        if (r == null) {
            throw new SiglipException(source + ": no tensor named '" + name + "'");
        }
        return r.load(name, manager);
    }

    /** The metadata of the first file. */
    public Map<String, String> metadata() {
        return readers.isEmpty() ? Map.of() : readers.get(0).metadata();
    }

    @Override
    public void close() {
        readers.forEach(SafetensorsReader::close);
    }
}
