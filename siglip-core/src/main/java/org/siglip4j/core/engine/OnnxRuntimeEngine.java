package org.siglip4j.core.engine;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.onnx.OnnxExportCache;
import org.siglip4j.core.onnx.Quantization;
import org.siglip4j.core.onnx.SiglipOnnxExporter;

/**
 * The towers on ONNX Runtime (CPU provider, all graph optimisations) through its own Java API
 * ({@code com.microsoft.onnxruntime:onnxruntime}), on the graphs {@link SiglipOnnxExporter} writes
 * from the loaded model, cached by {@link OnnxExportCache}. One session per tower; ONNX Runtime
 * sessions may be run by many threads at once.
 */
public final class OnnxRuntimeEngine implements SiglipEngine {
    private final OrtSession vision;
    private final OrtSession text;
    private final OrtEnvironment env;
    private final String modelName;

    private OnnxRuntimeEngine(OrtEnvironment env, OrtSession vision, OrtSession text, String modelName) {
        this.env = env;
        this.vision = vision;
        this.text = text;
        this.modelName = modelName;
    }

    /**
     * Exports (or finds in the cache) the model's tower graphs and opens a session for each.
     *
     * @param model the loaded model
     * @param modelDir its folder (names the model in errors, holds the cache by default), or null
     * @param policy engine options: quantisation, cache root, threads
     * @return the engine
     * @throws SiglipException naming the model when ONNX Runtime cannot load on this platform, the
     *     model cannot be exported, or a graph does not load
     */
    public static OnnxRuntimeEngine open(SiglipModel model, Path modelDir, ExecutionPolicy policy) {
        String name = modelDir == null ? "the model" : modelDir.toString();
        OrtEnvironment env = environment(name);
        Quantization q = policy.quantization();
        Path root = OnnxExportCache.root(modelDir, policy.onnxCacheDir());
        Path entry;
        try {
            entry = OnnxExportCache.ensure(model, q, policy.onnxFusedOps(), root);
        } catch (SiglipException e) {
            throw new SiglipException("cannot run " + name + " on ONNX Runtime: " + e.getMessage()
                    + (e.getMessage().contains("--engine pytorch") ? "" : "; use --engine pytorch"), e);
        }
        OrtSession v = null;
        try {
            v = session(env, entry.resolve(SiglipOnnxExporter.VISION_FILE), policy, name);
            OrtSession t = session(env, entry.resolve(SiglipOnnxExporter.TEXT_FILE), policy, name);
            return new OnnxRuntimeEngine(env, v, t, name);
        } catch (RuntimeException e) {
            closeQuietly(v);
            throw e;
        }
    }

    /** The process's ONNX Runtime environment, or one clear error when its natives cannot load here. */
    private static OrtEnvironment environment(String name) {
        try {
            return OrtEnvironment.getEnvironment();
        } catch (RuntimeException | LinkageError e) {
            throw new SiglipException("cannot run " + name + " on ONNX Runtime: its native library does not load on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + " (" + e.getMessage()
                    + "); use --engine pytorch", e);
        }
    }

    private static OrtSession session(OrtEnvironment env, Path file, ExecutionPolicy policy, String name) {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (policy.threads() > 0) {
                opts.setIntraOpNumThreads(policy.threads());
            }
            return env.createSession(file.toString(), opts);
        } catch (OrtException e) {
            throw new SiglipException("ONNX Runtime cannot load the exported graph " + file + " of " + name + ": "
                    + e.getMessage() + "; delete that folder to export it again, or use --engine pytorch", e);
        }
    }

    @Override
    public NDArray imageFeatures(NDArray pixelValues, boolean normalize) {
        try (OnnxTensor px = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixelValues.toFloatArray()),
                pixelValues.getShape().getShape())) {
            return run(vision, Map.of("pixel_values", px), normalize ? "image_embeds" : "pooler_output", pixelValues);
        } catch (OrtException e) {
            throw failure(e);
        }
    }

    @Override
    public NDArray textFeatures(NDArray inputIds, boolean normalize) {
        long[] ids = inputIds.getDataType() == DataType.INT64 ? inputIds.toLongArray()
                : inputIds.toType(DataType.INT64, false).toLongArray();
        try (OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), inputIds.getShape().getShape())) {
            return run(text, Map.of("input_ids", t), normalize ? "text_embeds" : "pooler_output", inputIds);
        } catch (OrtException e) {
            throw failure(e);
        }
    }

    private static NDArray run(OrtSession session, Map<String, OnnxTensor> inputs, String output, NDArray like)
            throws OrtException {
        try (OrtSession.Result r = session.run(inputs, Set.of(output))) {
            OnnxValue v = r.get(output).orElseThrow();
            OnnxTensor t = (OnnxTensor) v;
            FloatBuffer fb = t.getFloatBuffer();
            float[] data = new float[fb.remaining()];
            fb.get(data);
            return like.getManager().create(data, new Shape(t.getInfo().getShape()));
        }
    }

    private SiglipException failure(OrtException e) {
        return new SiglipException("ONNX Runtime failed on " + modelName + ": " + e.getMessage()
                + "; use --engine pytorch", e);
    }

    @Override
    public EngineType type() {
        return EngineType.ONNXRUNTIME;
    }

    @Override
    public void close() {
        closeQuietly(vision);
        closeQuietly(text);
    }

    private static void closeQuietly(OrtSession s) {
        if (s != null) {
            try {
                s.close();
            } catch (OrtException e) {
                // nothing left to free that the process exit would not
            }
        }
    }
}
