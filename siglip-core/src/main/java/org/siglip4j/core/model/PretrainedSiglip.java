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
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.checkpoint.CheckpointLoader;
import org.siglip4j.core.checkpoint.LoadReport;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.nn.ChunkedForward;
import org.siglip4j.core.nn.ComputePolicy;
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
    /** Set by {@link #setCompute}; every concrete constructor sets the default source's policy last. */
    private volatile ComputePolicy compute = ComputePolicy.DEFAULT;
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
     * @param parameterCount the number of parameters the constructor builds for a config
     * @param <M> the model class
     * @return the loaded model
     */
    protected static <M extends PretrainedSiglip> M fromPretrained(Path dir, NDManager manager, boolean strict,
            BiFunction<SiglipConfig, NDManager, M> constructor, ToLongFunction<SiglipConfig> parameterCount) {
        SiglipConfig config = SiglipConfig.load(dir);
        return loadChecked(dir, strict, parameterCount.applyAsLong(config), () -> constructor.apply(config, manager));
    }

    /**
     * Checks a parsed config's size against the checkpoint's, then builds the model and loads its
     * weights, closing the model if loading fails so that nothing stays in its manager. Every
     * model class's {@code fromPretrained} ends here, whatever its config type.
     *
     * @param dir the model folder
     * @param strict as in {@link #loadWeights}
     * @param impliedParameters the parameters the config describes
     * @param build builds the (empty) model for that config
     * @param <M> the model class
     * @return the loaded model
     */
    protected static <M extends PretrainedSiglip> M loadChecked(Path dir, boolean strict, long impliedParameters,
            Supplier<M> build) {
        checkSizeAgainstCheckpoint(dir, impliedParameters);
        M m = build.get();
        try {
            m.loadWeights(dir, strict);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /**
     * Refuses, before a single block is built, a config that describes a model far larger than the
     * checkpoint beside it (a config with a million layers would otherwise be built block by block
     * until memory runs out). Reading the checkpoint's header costs nothing; the bound is loose
     * (twice the checkpoint plus room for a new classifier) so that ordinary mismatches still reach
     * the loader's report of missing, unexpected and mis-shaped tensors.
     */
    private static void checkSizeAgainstCheckpoint(Path dir, long implied) {
        long held = 0;
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (var t : ckpt.tensors().values()) {
                held += t.numel();
            }
        }
        if (implied > 2 * held + MISMATCH_SLACK) {
            throw new SiglipException(dir.resolve("config.json") + " implies " + implied + " parameters but the"
                    + " checkpoint holds " + held + " values: the config does not describe this checkpoint");
        }
    }

    /** Parameters a config may imply beyond twice its checkpoint (a fresh classifier of 16k classes). */
    private static final long MISMATCH_SLACK = 16L << 20;

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

    /**
     * {@link ComputePolicy#CHUNK_PROPERTY}, kept here for callers that name it on the model; read
     * only by {@link ComputePolicy#fromSystemProperties()}.
     */
    public static final String CHUNK_PROPERTY = ComputePolicy.CHUNK_PROPERTY;

    /**
     * The budgets and kernels this model and its blocks run with: large batches run in chunks of
     * its budgets ({@link ChunkedForward}), attention with its kernel.
     */
    public ComputePolicy compute() {
        return compute;
    }

    /**
     * Runs this model and every block in it with {@code policy} from now on. Call it where the
     * model is set up (a pipeline builder does), not while another thread runs the model: a call
     * already running may see the old budgets in some layers.
     */
    public void setCompute(ComputePolicy policy) {
        if (policy == null) {
            throw new SiglipException("a model needs a compute policy (ComputePolicy.DEFAULT for the built-in one)");
        }
        compute = policy;
        useCompute(policy);
    }

    /** An inference body over one chunk of rows: the input rows and the matching rows of an extra input (or null). */
    @FunctionalInterface
    protected interface RowFunction {
        /**
         * @param ps the parameter store
         * @param rows the chunk's rows of the input
         * @param extra the same rows of the extra input, or null
         * @return one result row per input row
         */
        NDArray apply(ParameterStore ps, NDArray rows, NDArray extra);
    }

    /** {@link #infer} of pixel values [B, C, H, W] through the vision tower, in inference chunks. */
    protected NDArray inferImages(NDArray pixelValues, RowFunction body) {
        return inferRows(pixelValues, null, ChunkedForward.imageRowBytes(config.visionConfig(), pixelValues), body);
    }

    /** {@link #infer} of input ids [B, L] (and an optional [B, L] mask) through the text tower, in inference chunks. */
    protected NDArray inferTexts(NDArray inputIds, NDArray attentionMask, RowFunction body) {
        return inferRows(inputIds, attentionMask, ChunkedForward.textRowBytes(config.textConfig(), inputIds), body);
    }

    /** For training: {@code body} over the images of {@code pixelValues} [B, C, H, W] in training chunks. */
    protected NDArray imageChunks(NDArray pixelValues, UnaryOperator<NDArray> body) {
        return ChunkedForward.training(compute, pixelValues,
                ChunkedForward.imageRowBytes(config.visionConfig(), pixelValues), body);
    }

    /** {@link #imageChunks} for input ids [B, L] through the text tower. */
    protected NDArray textChunks(NDArray inputIds, UnaryOperator<NDArray> body) {
        return ChunkedForward.training(compute, inputIds, ChunkedForward.textRowBytes(config.textConfig(), inputIds),
                body);
    }

    /** {@link #infer} for a body whose rows are independent, in chunks ({@link ChunkedForward#inference}). */
    private NDArray inferRows(NDArray input, NDArray extra, long bytesPerRow, RowFunction body) {
        ComputePolicy policy = compute;
        return infer(input, ps -> {
            join(extra, input);
            return ChunkedForward.inference(policy, input, extra, bytesPerRow, (rows, ex) -> body.apply(ps, rows, ex));
        }, java.util.Collections::singletonList);
    }

    /** Brings a second input (ids, mask) temporarily into the call's manager. */
    protected static void join(NDArray extra, NDArray first) {
        if (extra != null && extra.getManager() != first.getManager()) {
            extra.tempAttach(first.getManager());
        }
    }

    /**
     * L2-normalises the last axis, as SigLIP normalises its embeddings before the logits (the
     * trainer does the same to the features it gets under autograd).
     *
     * @param x features [..., D]
     * @return x divided by its L2 norm over the last axis (a new array)
     */
    public static NDArray l2normalize(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true));
    }

    /** Closes the weights. */
    @Override
    public void close() {
        manager.close();
    }
}
