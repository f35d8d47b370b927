package org.siglip4j.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Copies of arrays onto a device, for the data-parallel paths (a replica's weights, a loss shard's
 * embeddings): one definition of "a copy without autograd history", whichever devices are involved.
 */
public final class DeviceCopy {
    private DeviceCopy() {}

    /**
     * A copy of {@code a} on {@code to}, without autograd history, owned by {@code owner}. On the
     * same device (a logical device on the CPU) it is {@code stopGradient().duplicate()}, since
     * {@code toDevice} would return the array itself; elsewhere {@code toDevice(to, true)}.
     *
     * @param a the array (left as it is)
     * @param to the device of the copy
     * @param owner the manager that will close the copy
     * @return the copy
     */
    public static NDArray detached(NDArray a, Device to, NDManager owner) {
        NDArray copy;
        if (a.getDevice().equals(to)) {
            try (NDArray detached = a.stopGradient()) {
                copy = detached.duplicate();
            }
        } else {
            copy = a.toDevice(to, true);
        }
        copy.attach(owner);
        return copy;
    }
}
