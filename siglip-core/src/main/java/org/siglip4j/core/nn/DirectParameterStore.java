package org.siglip4j.core.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * A {@link ParameterStore} that always hands out the parameter's current array (no per-device
 * copies, no caching), so reloaded weights are seen at once. Used by the inference API.
 */
public final class DirectParameterStore extends ParameterStore {
    /** A store whose bookkeeping lives in {@code manager}. */
    public DirectParameterStore(NDManager manager) {
        super(manager, false);
    }

    @Override
    public NDArray getValue(Parameter parameter, Device device, boolean training) {
        NDArray a = parameter.getArray();
        if (!a.getDevice().equals(device)) {
            throw new IllegalStateException("parameter " + parameter.getName() + " is on " + a.getDevice()
                    + " but the input is on " + device);
        }
        return a;
    }
}
