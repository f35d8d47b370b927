package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Copies values into an existing array in place (optimizer state on resume, a replica's weights,
 * a parameter's initial value).
 *
 * <p>Why not {@code NDArray.set(Buffer)} or {@code set(float[])}: DJL 0.35.1's PyTorch JNI runs that
 * ({@code torchSet}) under libtorch's deprecated {@code at::AutoNonVariableTypeMode}, whose first use
 * prints a multi-line "AutoNonVariableTypeMode is deprecated" warning straight to the process's
 * standard error, which no Java logging setting can silence. Writing through a flat view with an
 * index assignment ({@code torch::index_put_}) stores the same values without it, keeps the
 * target's native handle (a parameter stays the same parameter) and works for 0-d arrays.
 */
public final class InPlaceCopy {
    private InPlaceCopy() {}

    /**
     * Overwrites {@code target}'s values with {@code source}'s.
     *
     * @param target the array to write into (any shape, including 0-d)
     * @param source values with the same number of elements; converted to the target's type and device
     * @throws IllegalArgumentException if the element counts differ
     */
    public static void copy(NDArray target, NDArray source) {
        if (target.size() != source.size()) {
            throw new IllegalArgumentException("cannot copy " + source.getShape() + " into " + target.getShape());
        }
        // every intermediate is closed here: replicas are refreshed after each step, and an array
        // left in the source's manager would accumulate for the whole run
        try (NDArray typed = source.toType(target.getDataType(), true);
                NDArray moved = typed.toDevice(target.getDevice(), true);
                NDArray flatSource = moved.reshape(-1);
                NDArray flatTarget = target.reshape(-1)) {
            flatTarget.set(new NDIndex(":"), flatSource);
        }
    }

    /**
     * Overwrites {@code target}'s values with floats.
     *
     * @param target the array to write into
     * @param values one value per element, in row-major order
     */
    public static void copy(NDArray target, float[] values) {
        try (NDArray source = target.getManager().create(values)) {
            copy(target, source);
        }
    }
}
