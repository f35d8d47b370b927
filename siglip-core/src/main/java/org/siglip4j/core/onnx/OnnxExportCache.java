package org.siglip4j.core.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.model.SiglipModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exported tower graphs kept between runs, so that only the first start with a model pays for
 * the export. An entry is a folder named by the first 16 hex digits of its key, the SHA-256 of
 * everything the graphs are made from: the config, every weight (name, shape, float32 bytes), the
 * quantisation, whether fused operators are used and {@link SiglipOnnxExporter#EXPORT_VERSION}. Its {@value #MANIFEST} holds the
 * full key and the SHA-256 of each file; an entry whose manifest is missing, unreadable, of another
 * key or whose files do not match it is stale or corrupt, and is exported again, never used.
 *
 * <p>Entries live in {@code <model folder>/onnx/}, or, when that folder is read-only, in
 * {@code $XDG_CACHE_HOME/siglip4j/onnx/} ({@code ~/.cache/siglip4j/onnx/}), or in an explicit root.
 * An entry is written in a temporary sibling folder and renamed into place, so a crash or a
 * concurrent exporter never leaves a half-written entry that looks complete.
 */
public final class OnnxExportCache {
    /** The manifest of an entry. */
    public static final String MANIFEST = "export.json";
    private static final Logger LOG = LoggerFactory.getLogger(OnnxExportCache.class);
    private static final List<String> FILES = List.of(SiglipOnnxExporter.VISION_FILE, SiglipOnnxExporter.TEXT_FILE);

    private OnnxExportCache() {}

    /**
     * The key of a model's export: SHA-256 (hex) of config, weights, quantisation and exporter version.
     *
     * @param model the loaded model
     * @param quantization the export's quantisation
     * @param fused whether the graphs use ONNX Runtime's fused operators
     * @return 64 hex digits
     */
    public static String key(SiglipModel model, Quantization quantization, boolean fused) {
        Hasher h = Hashing.sha256().newHasher();
        h.putString("siglip4j-onnx " + SiglipOnnxExporter.EXPORT_VERSION + " " + quantization.label()
                + (fused ? " fused" : "") + "\n", StandardCharsets.UTF_8);
        h.putString(model.config().toJson(), StandardCharsets.UTF_8);
        for (Map.Entry<String, Parameter> e : new TreeMap<>(model.namedParameters()).entrySet()) {
            NDArray a = e.getValue().getArray();
            h.putString(e.getKey() + a.getShape() + a.getDataType(), StandardCharsets.UTF_8);
            h.putBytes(a.toByteArray());
        }
        return h.hash().toString();
    }

    /**
     * The root an entry of a model folder goes to: {@code root} if given, else
     * {@code <modelDir>/onnx} when writable, else the user cache.
     */
    public static Path root(Path modelDir, Path root) {
        if (root != null) {
            return root;
        }
        if (modelDir != null && Files.isWritable(modelDir)) {
            return modelDir.resolve("onnx");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("siglip4j").resolve("onnx");
    }

    /**
     * The folder of a valid entry for the model, exporting it first when it is missing, stale or
     * corrupt.
     *
     * @param model the loaded model
     * @param quantization the quantisation
     * @param fused use ONNX Runtime's fused operators ({@link SiglipOnnxExporter#SiglipOnnxExporter(SiglipModel, Quantization, boolean)})
     * @param root the cache root (see {@link #root})
     * @return a folder holding {@value SiglipOnnxExporter#VISION_FILE} and {@value SiglipOnnxExporter#TEXT_FILE}
     */
    public static Path ensure(SiglipModel model, Quantization quantization, boolean fused, Path root) {
        String key = key(model, quantization, fused);
        Path entry = root.resolve(key.substring(0, 16) + "-" + quantization.label() + (fused ? "-fused" : ""));
        if (isValid(entry, key)) {
            return entry;
        }
        if (Files.exists(entry)) {
            LOG.warn("the cached ONNX export {} is stale or corrupt; exporting again", entry);
        }
        Path tmp = null;
        try {
            Files.createDirectories(root);
            tmp = Files.createTempDirectory(root, ".export-");
            if (Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                // temporary folders are owner-only; a shared cache must be readable by its other users
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            SiglipOnnxExporter exporter = new SiglipOnnxExporter(model, quantization, fused);
            exporter.write(exporter.visionGraph(), tmp.resolve(SiglipOnnxExporter.VISION_FILE), false);
            exporter.write(exporter.textGraph(), tmp.resolve(SiglipOnnxExporter.TEXT_FILE), false);
            JsonObject files = new JsonObject();
            for (String f : FILES) {
                files.addProperty(f, sha256(tmp.resolve(f)));
            }
            JsonObject manifest = new JsonObject();
            manifest.addProperty("key", key);
            manifest.addProperty("quantization", quantization.label());
            manifest.addProperty("export_version", SiglipOnnxExporter.EXPORT_VERSION);
            manifest.add("files", files);
            AtomicFiles.write(tmp.resolve(MANIFEST), manifest.toString().getBytes(StandardCharsets.UTF_8));
            if (Files.exists(entry)) {
                deleteTree(entry);
            }
            try {
                AtomicFiles.move(tmp, entry);
                tmp = null;
            } catch (IOException e) {
                if (!isValid(entry, key)) { // another process may have put a good entry there first
                    throw e;
                }
            }
            return entry;
        } catch (IOException e) {
            throw new SiglipException("cannot write the ONNX export cache in " + root + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    /** Whether the entry's manifest names this key and every file matches its hash. */
    static boolean isValid(Path entry, String key) {
        Path manifest = entry.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            JsonObject m = new Gson().fromJson(Files.readString(manifest), JsonObject.class);
            if (m == null || !m.has("key") || !key.equals(m.get("key").getAsString()) || !m.has("files")) {
                return false;
            }
            JsonObject files = m.getAsJsonObject("files");
            for (String f : FILES) {
                Path p = entry.resolve(f);
                if (!files.has(f) || !Files.isRegularFile(p) || !files.get(f).getAsString().equals(sha256(p))) {
                    return false;
                }
            }
            return true;
        } catch (IOException | JsonParseException | IllegalStateException | ClassCastException e) {
            return false;
        }
    }

    private static String sha256(Path file) throws IOException {
        return com.google.common.io.Files.asByteSource(file.toFile()).hash(Hashing.sha256()).toString();
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", dir, e.getMessage());
        }
    }
}
