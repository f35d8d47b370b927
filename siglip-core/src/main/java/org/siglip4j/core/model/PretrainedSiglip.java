package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.CheckpointLoader;
import org.siglip4j.core.checkpoint.LoadReport;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.DirectParameterStore;
import org.siglip4j.core.nn.GradMode;
import org.siglip4j.core.nn.SiglipModule;

/**
 * Shared life cycle of the SigLIP model classes: weights in a manager owned by the model (closed
 * with it), loading/saving Hugging Face folders, and running inference graph-free in a per-call
 * sub-manager of the input's manager.
 */
public abstract class PretrainedSiglip extends SiglipModule implements AutoCloseable {
    private final SiglipConfig config;
    private final NDManager manager;
    private final ParameterStore store;
    private LoadReport lastLoadReport;

    /**
     * @param config the configuration
     * @param parent manager whose sub-manager will own the weights
     */
    protected PretrainedSiglip(SiglipConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        this.store = new DirectParameterStore(manager);
    }

    /** The configuration. */
    public SiglipConfig config() {
        return config;
    }

    /** The manager that owns the weights. */
    public NDManager manager() {
        return manager;
    }

    /** HF class name written to {@code architectures}. */
    protected abstract String architecture();

    /** Checkpoint keys this class knowingly does not use (skipped like HF, reported as ignored). */
    protected boolean ignorable(String key) {
        return false;
    }

    /**
     * The body of every {@code fromPretrained}: builds a model for the folder's {@code config.json}
     * and loads its weights, closing the model if loading fails so that nothing stays in
     * {@code manager}.
     *
     * @param dir a Hugging Face folder
     * @param manager manager whose sub-manager will own the weights
     * @param strict as in {@link #loadWeights}
     * @param constructor the model class's {@code (config, manager)} constructor
     * @param <M> the model class
     * @return the loaded model
     */
    protected static <M extends PretrainedSiglip> M fromPretrained(Path dir, NDManager manager, boolean strict,
            BiFunction<SiglipConfig, NDManager, M> constructor) {
        M m = constructor.apply(SiglipConfig.load(dir), manager);
        try {
            m.loadWeights(dir, strict);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The report of the last {@link #loadWeights} call, or null. */
    public LoadReport lastLoadReport() {
        return lastLoadReport;
    }

    /**
     * Loads weights from a folder ({@code model.safetensors} or a sharded index) or a file.
     *
     * @param path folder or file
     * @param strict throw one error listing every missing, unexpected or mis-shaped tensor
     * @return what was loaded; parameters still missing (non-strict) are initialised randomly
     */
    public LoadReport loadWeights(Path path, boolean strict) {
        try (Checkpoint ckpt = Checkpoint.open(path)) {
            LoadReport r = CheckpointLoader.load(namedParameters(), parameterShapes(), ckpt, manager, strict,
                    this::ignorable);
            initializeMissing();
            lastLoadReport = r;
            return r;
        }
    }

    /** Initialises every parameter that has no array yet with its HF-style initializer. */
    public void initializeMissing() {
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                p.setShape(parameterShapes().get(e.getKey()));
                p.initialize(manager, DataType.FLOAT32);
            }
        }
    }

    /** Writes {@code config.json} and {@code model.safetensors} (float32, HF names) into {@code dir}. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new SiglipException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        config.withArchitectures(List.of(architecture())).withTorchDtype("float32").save(dir.resolve("config.json"));
        CheckpointLoader.save(namedParameters(), dir.resolve(Checkpoint.SINGLE));
    }

    /**
     * Runs {@code body} for inference: autograd off on this thread, a sub-manager of the input's
     * manager for every intermediate, and the result moved back to the input's manager.
     */
    protected <T> T infer(NDArray input, Function<ParameterStore, T> body, Function<T, List<NDArray>> results) {
        NDManager home = input.getManager();
        try (GradMode g = GradMode.disabled(); NDManager call = home.newSubManager()) {
            input.tempAttach(call);
            T out = body.apply(store);
            for (NDArray a : results.apply(out)) {
                if (a != null) {
                    a.attach(home);
                }
            }
            return out;
        }
    }

    /** Same as {@link #infer} for one array result. */
    protected NDArray inferArray(NDArray input, Function<ParameterStore, NDArray> body) {
        return infer(input, body, a -> java.util.Collections.singletonList(a));
    }

    /** Brings a second input (ids, mask) temporarily into the call's manager. */
    protected static void join(NDArray extra, NDArray first) {
        if (extra != null && extra.getManager() != first.getManager()) {
            extra.tempAttach(first.getManager());
        }
    }

    /** L2-normalises the last axis. */
    protected static NDArray l2normalize(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true));
    }

    /** Closes the weights. */
    @Override
    public void close() {
        manager.close();
    }
}
