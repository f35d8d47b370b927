package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar constants for arithmetic that autograd records.
 *
 * <p>Why this exists: DJL's PyTorch engine implements {@code x.mul(0.5f)} (and every other
 * {@code Number} overload) by creating the scalar with {@code torch::from_blob} over a Java direct
 * buffer and closing it right after the op. Autograd keeps that scalar for the backward pass (the
 * gradient of {@code x * c} is {@code grad * c}), but once the Java buffer is garbage-collected its
 * memory is freed and reused: the backward then reads garbage, which showed up as intermittent
 * NaN gradients while training. {@link #of} makes the scalar with {@code torch::full} (or clones it), whose
 * storage belongs to the tensor, so the graph can outlive the Java handle safely.
 */
public final class Scalars {
    private Scalars() {}

    /**
     * A 0-d array holding {@code value}, with the data type, device and manager of {@code like}.
     */
    public static NDArray of(NDArray like, double value) {
        NDManager manager = like.getManager();
        DataType type = like.getDataType();
        if (type != DataType.FLOAT64) {
            return manager.full(new Shape(), (float) value, type);
        }
        // full() only takes a float, which would round float64 math; a clone of the
        // buffer-backed scalar owns its storage and keeps the exact double.
        try (NDArray view = manager.create(value)) {
            return view.duplicate();
        }
    }
}
