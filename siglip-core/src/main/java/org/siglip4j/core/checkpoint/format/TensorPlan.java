package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.siglip4j.core.SiglipException;

/**
 * How every tensor of a target layout is made from the tensors of a source layout: target name to
 * the source names it reads and the function (split, concatenation, reshape, transpose) applied to
 * them. Built by the formats from the config alone, so the source's names can be checked against
 * it before anything is loaded ({@link #check}).
 */
public final class TensorPlan {
    /** One target tensor: its inputs and the function of them. */
    record Rule(List<String> inputs, Function<List<NDArray>, NDArray> fn) {}

    private final Map<String, Rule> rules = new LinkedHashMap<>();
    private final Set<String> ignored = new TreeSet<>();

    /** Marks a source tensor as knowingly unused (it passes {@link #check} but makes no target). */
    public TensorPlan ignore(String input) {
        ignored.add(input);
        return this;
    }

    /** Adds a target made by {@code fn} from {@code inputs} (in that order). */
    public TensorPlan add(String target, List<String> inputs, Function<List<NDArray>, NDArray> fn) {
        if (rules.put(target, new Rule(List.copyOf(inputs), fn)) != null) {
            throw new IllegalStateException("two rules for " + target);
        }
        return this;
    }

    /** Adds a target equal to one source tensor. */
    public TensorPlan copy(String target, String input) {
        return add(target, List.of(input), a -> a.get(0));
    }

    /** Adds a target computed from one source tensor. */
    public TensorPlan map(String target, String input, Function<NDArray, NDArray> fn) {
        return add(target, List.of(input), a -> fn.apply(a.get(0)));
    }

    /** The target names, in the order they were added. */
    public Set<String> targets() {
        return Collections.unmodifiableSet(rules.keySet());
    }

    /** Every source name some target reads. */
    public Set<String> inputs() {
        Set<String> s = new TreeSet<>();
        rules.values().forEach(r -> s.addAll(r.inputs()));
        return s;
    }

    /**
     * Checks that the source holds exactly the tensors the plan reads, and names the first
     * difference: a missing tensor (fewer layers than the config says, a tensor left out) or an
     * unexpected one (more layers, a tensor of another model).
     *
     * @param source the source's names
     * @param where the source, for the message
     * @param layout the layout and what the config says, for the message
     * @throws SiglipException on the first mismatch
     */
    public void check(Set<String> source, String where, String layout) {
        List<String> missing = new ArrayList<>(inputs());
        missing.removeAll(source);
        List<String> unexpected = new ArrayList<>(new TreeSet<>(source));
        unexpected.removeAll(inputs());
        unexpected.removeAll(ignored);
        if (missing.isEmpty() && unexpected.isEmpty()) {
            return;
        }
        String first = !missing.isEmpty()
                ? "tensor '" + missing.get(0) + "' is missing"
                : "tensor '" + unexpected.get(0) + "' is not part of the model";
        throw new SiglipException(where + " does not match its " + layout + ": " + first + " (" + missing.size()
                + " missing, " + unexpected.size() + " unexpected; wrong depth or a checkpoint of another model?)");
    }

    /**
     * Computes every target (float32) from the source.
     *
     * @param source the source tensors
     * @param manager owner of the results
     * @return target name to array, in plan order
     */
    public Map<String, NDArray> apply(TensorSource source, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Rule> e : rules.entrySet()) {
            try (NDManager scope = manager.newSubManager()) {
                List<NDArray> in = new ArrayList<>();
                for (String n : e.getValue().inputs()) {
                    in.add(source.load(n, scope).toType(DataType.FLOAT32, false));
                }
                // A loaded tensor wraps a Java direct buffer that only its own NDArray keeps alive;
                // a rule's result is often a view of it (a rename, a split part, rows), and
                // toType(..., true) returns such a view unchanged (torch's to() does not copy). The
                // clone owns its storage, so closing the scope cannot leave it pointing at a buffer
                // the garbage collector may free and reuse.
                NDArray r = e.getValue().fn().apply(in).toType(DataType.FLOAT32, false).duplicate();
                r.attach(manager);
                out.put(e.getKey(), r);
            }
        }
        return out;
    }

    // ---- the tensor functions the layouts share

    /** Part {@code i} of {@code n} equal parts along axis 0 (a fused q/k/v projection). */
    public static Function<List<NDArray>, NDArray> part(int i, int n) {
        return a -> a.get(0).split(n, 0).get(i);
    }

    /** The inputs concatenated along axis 0. */
    public static Function<List<NDArray>, NDArray> concat() {
        return a -> a.size() == 1 ? a.get(0) : NDArrays.concat(new NDList(a), 0);
    }

    /** Rows {@code from} to {@code to} (exclusive) of the first input. */
    public static Function<List<NDArray>, NDArray> rows(long from, long to) {
        return a -> a.get(0).get(from + ":" + to);
    }
}
