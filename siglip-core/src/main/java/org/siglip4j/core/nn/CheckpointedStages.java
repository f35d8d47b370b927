package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.siglip4j.core.SiglipException;

/**
 * Activation (gradient) checkpointing over a chain of stages, as HF's
 * {@code gradient_checkpointing} and open_clip's {@code --grad-checkpointing} do per encoder
 * layer: only the input of each stage is kept, and each stage is recomputed with a graph during
 * the backward pass.
 *
 * <p>PyTorch does this with a custom autograd function; DJL has none, so the backward pass is
 * driven by hand, in two phases:
 * <ol>
 *   <li>{@link #forward}: stages {@code 0 .. k-2} run with autograd off, each one's input kept
 *       (one [B, L, D] array per encoder layer instead of every activation of the layer); the
 *       last stage runs under the caller's autograd from a leaf copy of its input, so
 *       {@link #output()} is differentiable as usual.</li>
 *   <li>{@link #backward()}, after the caller has back-propagated into {@link #output()} (which
 *       leaves d loss / d leaf in the leaf's {@code .grad}): for {@code i = k-2 .. 0}, stage i is
 *       recomputed with a graph from its kept input and back-propagated with the gradient of its
 *       output, {@code out.backward(g)} as {@code torch.utils.checkpoint} does; the gradient its
 *       input receives is the next {@code g}. Parameter gradients accumulate in their
 *       {@code .grad} across these calls as PyTorch's autograd always accumulates, so they equal
 *       those of one backward pass through the whole chain.</li>
 * </ol>
 * Stage 0's input (pixels or token ids) gets no gradient. The stages must be deterministic
 * (SigLIP's attention dropout is 0): a stage is computed twice and both must agree.
 */
public final class CheckpointedStages implements AutoCloseable {
    private final List<UnaryOperator<NDArray>> stages;
    private final boolean firstStageTrains;
    private final NDManager manager;
    private final List<NDArray> inputs = new ArrayList<>();
    private NDArray leaf;
    private NDArray output;

    private CheckpointedStages(List<UnaryOperator<NDArray>> stages, boolean firstStageTrains, NDManager manager) {
        this.stages = stages;
        this.firstStageTrains = firstStageTrains;
        this.manager = manager;
    }

    /**
     * Runs the stages on {@code input} for a later {@link #backward()}. Call it where autograd
     * records (inside a {@code GradientCollector}).
     *
     * @param input the first stage's input; it stays in its manager and is not closed
     * @param stages at least one stage; applied in order they are the function checkpointed
     * @param firstStageTrains whether the first stage has parameters that take gradients (if not,
     *     the backward pass ends at its output)
     * @return the run, whose kept inputs live in a sub-manager of {@code input}'s manager
     */
    public static CheckpointedStages forward(NDArray input, List<UnaryOperator<NDArray>> stages,
            boolean firstStageTrains) {
        if (stages.isEmpty()) {
            throw new SiglipException("gradient checkpointing needs at least one stage");
        }
        if (!(input instanceof PtNDArray)) {
            throw new SiglipException("gradient checkpointing needs the PyTorch engine, got arrays of "
                    + input.getManager().getEngine().getEngineName());
        }
        NDManager home = input.getManager();
        CheckpointedStages run = new CheckpointedStages(List.copyOf(stages), firstStageTrains, home.newSubManager());
        NDArray h = input;
        try (GradMode off = GradMode.disabled()) {
            for (int i = 0; i < stages.size() - 1; i++) {
                run.inputs.add(h);
                h = run.apply(i, h);
            }
        }
        run.leaf = h;
        if (h == input) {
            run.leaf = input.duplicate(); // a single stage: the caller's input must not become a leaf
            run.leaf.attach(run.manager);
        }
        run.leaf.setRequiresGradient(true);
        run.output = run.apply(stages.size() - 1, run.leaf);
        run.output.attach(home);
        return run;
    }

    /** Stage {@code i} on {@code x}, its temporaries freed and its result in this run's manager. */
    private NDArray apply(int i, NDArray x) {
        try (NDManager scope = manager.newSubManager()) {
            x.tempAttach(scope);
            NDArray out = stages.get(i).apply(x);
            out.attach(manager);
            return out;
        }
    }

    /** The last stage's output, in the input's manager, differentiable with respect to the last stage's input. */
    public NDArray output() {
        return output;
    }

    /**
     * Completes the backward pass through the checkpointed stages, once the caller's backward
     * pass has reached {@link #output()}. The kept inputs are freed as it goes.
     */
    public void backward() {
        NDArray g = leaf.getGradient();
        g.attach(manager);
        leaf.close();
        try (GradMode on = GradMode.enabled()) {
            for (int i = stages.size() - 2; i >= 0; i--) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x = inputs.get(i);
                    if (i > 0) {
                        x.attach(scope); // this run's own array, not needed after this stage
                        x.setRequiresGradient(true);
                    } else {
                        x.tempAttach(scope); // the caller's input
                    }
                    PtNDArray out = (PtNDArray) stages.get(i).apply(x);
                    // Only stage 0 can be out of the graph: its input takes no gradient, so it
                    // has none when its parameters are frozen (locked-image tuning). The caller
                    // says so: JniUtils.requiresGrad answered false in the trainer for layer
                    // outputs that had a grad_fn, and the grad_fn query dereferences a null
                    // grad_fn (a crash) on an array outside the graph.
                    if (i > 0 || firstStageTrains) {
                        JniUtils.backward(out, (PtNDArray) g, false, false);
                    }
                    g.close();
                    if (i > 0) {
                        g = x.getGradient();
                        g.attach(manager);
                    }
                }
            }
        }
        inputs.clear();
    }


    /** Frees the kept inputs and the leaf (the output stays with the caller). */
    @Override
    public void close() {
        manager.close();
    }
}
