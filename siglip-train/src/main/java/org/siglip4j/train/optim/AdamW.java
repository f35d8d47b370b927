package org.siglip4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.siglip4j.core.checkpoint.CheckpointLoader;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * AdamW (Loshchilov and Hutter, decoupled weight decay) over named parameters.
 *
 * <p>Written here rather than using DJL's {@code Adam} because DJL applies one weight decay to
 * every parameter, while SigLIP fine-tuning must not decay biases, norms, the temperature t' and
 * the bias b; and DJL creates its state lazily inside {@code step()}, which a caller's NDScope would
 * free. State arrays live in the optimiser's own manager and can be saved and restored exactly.
 *
 * <p>Update, per parameter p with gradient g at step t (1-based):
 * {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
 * + lr wd p} (decay only where {@link #decays} says so), as {@code torch.optim.AdamW}.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters other than the learning rate, which comes from the schedule each step. */
    public record Settings(double beta1, double beta2, double eps, double weightDecay) {
        /** torch.optim.AdamW defaults with the given weight decay. */
        public static Settings defaults(double weightDecay) {
            return new Settings(0.9, 0.999, 1e-8, weightDecay);
        }

        /** Validates the settings. */
        public Settings {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
            }
            if (!(eps > 0) || weightDecay < 0) {
                throw new IllegalArgumentException("expected eps > 0 and weight decay >= 0, got " + eps + ", "
                        + weightDecay);
            }
        }
    }

    private final Settings settings;
    private final Map<String, Parameter> params;
    private final Predicate<String> decays;
    private final NDManager manager;
    private final Map<String, NDArray> exp = new LinkedHashMap<>();
    private final Map<String, NDArray> expSq = new LinkedHashMap<>();
    /** The array {@link #releaseGradients()} last gave each parameter (its storage is libtorch's own). */
    private final Map<Parameter, NDArray> released = new IdentityHashMap<>();
    private int step;

    /**
     * Creates the optimiser. State (zeros) is allocated eagerly for every trainable parameter.
     *
     * @param params the trainable parameters by HF name (frozen ones must not be passed)
     * @param settings betas, eps and weight decay
     * @param decays which names get weight decay (see {@link #defaultDecayRule()})
     * @param manager the manager that owns the optimiser state
     */
    public AdamW(Map<String, Parameter> params, Settings settings, Predicate<String> decays, NDManager manager) {
        this.settings = settings;
        this.params = new LinkedHashMap<>(params);
        this.decays = decays;
        this.manager = manager.newSubManager();
        for (Map.Entry<String, Parameter> e : this.params.entrySet()) {
            NDArray p = e.getValue().getArray();
            exp.put(e.getKey(), this.manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            expSq.put(e.getKey(), this.manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
    }

    /**
     * No decay on biases, normalisation weights, the temperature {@code logit_scale} and the bias
     * {@code logit_bias}, as the paper and big_vision do; decay on every matrix, embedding and probe.
     */
    public static Predicate<String> defaultDecayRule() {
        return name -> !(name.endsWith(".bias")
                || name.contains("layer_norm") || name.contains("layernorm") || name.contains(".norm")
                || name.equals("logit_scale") || name.equals("logit_bias"));
    }

    /** The number of updates made so far. */
    public int stepCount() {
        return step;
    }

    /**
     * Applies one update with learning rate {@code lr} from the gradients currently attached to the
     * parameters. Parameters whose gradient is missing are left alone.
     */
    public void step(double lr) {
        step++;
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue().getArray();
            // Every temporary of the update lives in tmp: the gradient handle (attach, so it is
            // closed, not handed back to the parameter's manager) and the results of ops on the
            // moments (tempAttach puts m and v back into the state manager afterwards). Without
            // this each step left three parameter-sized arrays behind.
            try (NDManager tmp = manager.newSubManager()) {
                NDArray g = p.getGradient();
                g.attach(tmp);
                NDArray m = exp.get(name);
                NDArray v = expSq.get(name);
                m.tempAttach(tmp);
                v.tempAttach(tmp);
                // Each parameter-sized temporary is closed as soon as it is used, so that at most
                // two are alive at once: the largest of them (the token embedding's) are above
                // glibc's mmap threshold and would otherwise all be mapped together, on top of what
                // the backward pass left the allocator, and set the step's peak. Same ops, same values.
                try (NDArray t = g.mul(1 - b1)) {
                    m.muli(b1).addi(t);
                }
                try (NDArray t = g.square()) {
                    v.muli(b2).addi(t.muli(1 - b2));
                }
                if (decays.test(name) && settings.weightDecay() > 0) {
                    p.muli(1 - lr * settings.weightDecay());
                }
                NDArray denom;
                try (NDArray t = v.div(bc2)) {
                    denom = t.sqrt();
                }
                try (denom; NDArray t = m.div(denom.addi(settings.eps()))) {
                    p.subi(t.muli(lr / bc1));
                }
            }
        }
    }

    /**
     * Zeroes the gradients of every parameter this optimiser updates. Needed because DJL's PyTorch
     * {@code GradientCollector} accumulates into existing gradients and does not clear them when
     * a new collector opens.
     */
    public void zeroGradients() {
        for (Parameter p : params.values()) {
            NDArray g = p.getArray().getGradient();
            g.muli(0);
            g.close();
        }
    }

    /**
     * Frees every gradient buffer, as {@code optimizer.zero_grad(set_to_none=True)} does in
     * PyTorch: each parameter gets a new autograd leaf on the same storage (no copy) and the old
     * handle, with its {@code .grad}, is closed. The next backward pass then allocates each
     * gradient when it first reaches it, after the forward pass's peak, instead of the gradients
     * (one more copy of the weights) being held through the forward pass. DJL's JNI has no way to
     * reset {@code .grad} itself. Call it only while no graph refers to the parameters.
     *
     * <p>The first time (and after weights were loaded again) the new leaf is a copy: an array
     * created from a Java buffer (a loaded checkpoint) reads that buffer in place, and closing
     * its handle lets the buffer go, so a leaf sharing its storage would read freed memory. The
     * copy's storage belongs to libtorch, so from then on the new leaf shares it.
     */
    public void releaseGradients() {
        for (Parameter p : params.values()) {
            NDArray current = p.getArray();
            NDArray fresh = released.get(p) == current ? current.stopGradient() : current.duplicate();
            CheckpointLoader.setArray(p, fresh);
            released.put(p, fresh);
        }
    }

    /** The optimiser state as named tensors ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}) for checkpoints. */
    public Map<String, NDArray> stateTensors() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        exp.forEach((k, v) -> out.put("exp_avg." + k, v));
        expSq.forEach((k, v) -> out.put("exp_avg_sq." + k, v));
        return out;
    }

    /**
     * Restores state saved by {@link #stateTensors()} and the step count.
     *
     * @throws IllegalArgumentException if a tensor is missing or has the wrong shape
     */
    public void loadState(Map<String, NDArray> state, int stepCount) {
        for (String name : params.keySet()) {
            copyInto(state, "exp_avg." + name, exp.get(name));
            copyInto(state, "exp_avg_sq." + name, expSq.get(name));
        }
        this.step = stepCount;
    }

    private static void copyInto(Map<String, NDArray> state, String key, NDArray target) {
        NDArray src = state.get(key);
        if (src == null || !src.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("optimizer state " + key + ": expected shape " + target.getShape()
                    + ", got " + (src == null ? "nothing" : src.getShape()));
        }
        org.siglip4j.core.nn.InPlaceCopy.copy(target, src);
    }

    @Override
    public void close() {
        manager.close();
    }

}
