package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every SigLIP block: children and parameters carry their Hugging Face names, shapes are
 * fixed by the config (so the block can be initialised without input shapes) and
 * {@link #namedParameters()} maps HF keys to DJL parameters.
 */
public abstract class SiglipModule extends AbstractBlock {
    private final Map<String, SiglipModule> modules = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    /**
     * Closes our handles to intermediates as soon as they are used up. Without this they live
     * until the layer's scope closes, so a layer's temporaries (about 150 MB for ViT-B at batch 8)
     * all exist at once, the allocator keeps asking the kernel for fresh pages, and each fresh
     * page costs a fault; freed early, the next temporary reuses memory that is still mapped.
     * Safe under autograd: the graph holds its own references to what backward needs.
     */
    protected static void free(NDArray... arrays) {
        for (NDArray a : arrays) {
            if (a != null) {
                a.close();
            }
        }
    }

    /** Registers a child module under its HF name. */
    protected final <B extends SiglipModule> B module(String name, B block) {
        modules.put(name, block);
        addChildBlock(name, block);
        return block;
    }

    /** Declares a parameter under its HF name with its fixed shape and initializer. */
    protected final Parameter parameter(String name, Shape shape, Parameter.Type type, Initializer init) {
        Parameter p = Parameter.builder().setName(name).setType(type).optInitializer(init).build();
        params.put(name, p);
        shapes.put(name, shape);
        addParameter(p);
        return p;
    }

    /**
     * Gives this block and every block below it the compute policy (budgets, kernels) to run
     * with; a model calls it once when it is built or given a policy, never while it runs.
     */
    public final void useCompute(ComputePolicy policy) {
        configure(policy);
        for (SiglipModule m : modules.values()) {
            m.useCompute(policy);
        }
    }

    /** Takes from the policy what this block needs (nothing by default); children are done by {@link #useCompute}. */
    protected void configure(ComputePolicy policy) {}

    /** Child modules by HF name. */
    public Map<String, SiglipModule> modules() {
        return Collections.unmodifiableMap(modules);
    }

    /** Every parameter of this block and its children, keyed by HF name relative to this block. */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** The shape each parameter of {@link #namedParameters()} must have. */
    public Map<String, Shape> parameterShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> ps, Map<String, Shape> ss) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (ps != null) {
                ps.put(prefix + e.getKey(), e.getValue());
            }
            if (ss != null) {
                ss.put(prefix + e.getKey(), shapes.get(e.getKey()));
            }
        }
        for (Map.Entry<String, SiglipModule> e : modules.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", ps, ss);
        }
    }

    /** Number of scalar parameters from the declared shapes (no arrays needed). */
    public long parameterCount() {
        return parameterShapes().values().stream().mapToLong(Shape::size).sum();
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!e.getValue().isInitialized()) {
                e.getValue().setShape(shapes.get(e.getKey()));
            }
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (SiglipModule m : modules.values()) {
            m.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    /** The value of a parameter for this forward pass. */
    protected static NDArray value(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return ps.getValue(p, like.getDevice(), training);
    }

    /** Moves an array that was created from parameters alone into the activations' manager. */
    protected static NDArray own(NDArray a, NDArray like) {
        a.attach(like.getManager());
        return a;
    }

    /** Single-array convenience for DJL's NDList forward. */
    protected static NDList list(NDArray... arrays) {
        return new NDList(arrays);
    }
}
