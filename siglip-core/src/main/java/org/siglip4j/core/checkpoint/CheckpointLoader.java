package org.siglip4j.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.siglip4j.core.SiglipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads checkpoint tensors into DJL {@link Parameter}s named by Hugging Face keys, and saves them.
 */
public final class CheckpointLoader {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointLoader.class);

    private CheckpointLoader() {}

    /**
     * Loads every parameter from the checkpoint.
     *
     * @param params parameters by HF key, with their expected shapes in {@code expectedShapes}
     * @param expectedShapes the shape each parameter must have
     * @param checkpoint the open checkpoint
     * @param manager owner of the loaded arrays
     * @param strict throw one exception listing every problem instead of returning them
     * @param ignorable checkpoint keys that may be present and are skipped (known unused)
     * @return what was loaded, missing, unexpected, mis-shaped and ignored
     */
    public static LoadReport load(Map<String, Parameter> params, Map<String, Shape> expectedShapes,
            Checkpoint checkpoint, NDManager manager, boolean strict, Predicate<String> ignorable) {
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        Map<String, TensorInfo> infos = checkpoint.tensors();
        for (String key : params.keySet()) {
            TensorInfo t = infos.get(key);
            if (t == null) {
                missing.add(key);
            } else if (!Arrays.equals(t.shape(), expectedShapes.get(key).getShape())) {
                mismatched.add(key + ": checkpoint " + Arrays.toString(t.shape()) + " vs expected "
                        + expectedShapes.get(key));
            }
        }
        for (String key : infos.keySet()) {
            if (!params.containsKey(key)) {
                if (ignorable.test(key)) {
                    ignored.add(key);
                } else {
                    unexpected.add(key);
                }
            }
        }
        LoadReport report = new LoadReport(List.of(), missing, unexpected, mismatched, ignored);
        if (strict && !report.isClean()) {
            throw new SiglipException(checkpoint.source() + " does not match the model:" + report.describe()
                    + clipHint(unexpected));
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (missing.contains(e.getKey()) || mismatched.stream().anyMatch(m -> m.startsWith(e.getKey() + ":"))) {
                continue;
            }
            NDArray a = checkpoint.load(e.getKey(), manager);
            if (a.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
                NDArray f = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                a.close();
                a = f;
            }
            setArray(e.getValue(), a);
            loaded.add(e.getKey());
        }
        if (!ignored.isEmpty()) {
            LOG.info("{}: {} tensors not used by this model class were skipped (first: {})", checkpoint.source(),
                    ignored.size(), ignored.subList(0, Math.min(5, ignored.size())));
        }
        if (!report.isClean()) {
            LOG.warn("{} does not fully match the model:{}", checkpoint.source(), report.describe());
        }
        return new LoadReport(loaded, missing, unexpected, mismatched, ignored);
    }

    /** Tensors only a CLIP checkpoint has (SigLIP has no projections, no class token, no pre-LN). */
    private static final List<String> CLIP_ONLY = List.of("text_projection.weight", "visual_projection.weight",
            "vision_model.embeddings.class_embedding", "vision_model.pre_layrnorm.weight");

    private static String clipHint(List<String> unexpected) {
        return unexpected.stream().anyMatch(CLIP_ONLY::contains)
                ? "\nThese look like CLIP weights (" + CLIP_ONLY.stream().filter(unexpected::contains).toList()
                        + "): a CLIP checkpoint cannot be loaded as SigLIP (different architecture and loss)."
                : "";
    }

    /** Replaces a parameter's array (closing the old one), keeping its requires-gradient flag. */
    public static void setArray(Parameter p, NDArray array) {
        if (p.isInitialized()) {
            p.close();
        }
        p.setShape(null);
        p.setArray(array);
        if (p.requiresGradient()) {
            array.setRequiresGradient(true);
        }
    }

    /** Saves parameters by HF key to one safetensors file (float32, metadata format=pt). */
    public static void save(Map<String, Parameter> params, Path file) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        params.forEach((k, p) -> arrays.put(k, p.getArray()));
        SafetensorsWriter.write(file, arrays);
    }
}
