package org.siglip4j.train.parallel;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import org.siglip4j.core.nn.DeviceCopy;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One copy of the trainable model per device for data parallelism: shard 0 uses the master
 * parameters themselves, every other shard a replica on its device whose values are refreshed
 * from the master after each update and whose gradients are added into the master's before it.
 *
 * <p>On a machine without GPUs the devices are k "logical devices" on the CPU: the replicas are
 * real copies in their own managers, so the exchange of values and gradients is exercised exactly
 * as it would be between GPUs. Replicas are autograd leaves of their own, so the graph cut that
 * DJL's device copies make is harmless here.
 */
public final class Replicas implements AutoCloseable {
    private final List<Parameter> params;
    private final List<Device> devices;
    private final NDManager manager;
    private final List<Map<Parameter, NDArray>> copies = new ArrayList<>();

    /**
     * @param params every parameter of the model (frozen ones are replicated without gradients)
     * @param devices one device per shard; shard 0's device must be the master's
     * @param manager owner of the replica arrays
     */
    public Replicas(List<Parameter> params, List<Device> devices, NDManager manager) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("at least one device is needed");
        }
        this.params = List.copyOf(params);
        this.devices = List.copyOf(devices);
        this.manager = manager.newSubManager();
        copies.add(null);
        for (int s = 1; s < devices.size(); s++) {
            Map<Parameter, NDArray> m = new IdentityHashMap<>();
            for (Parameter p : params) {
                NDArray master = p.getArray();
                NDArray c = copyTo(master, devices.get(s));
                if (p.requiresGradient()) {
                    c.setRequiresGradient(true);
                }
                m.put(p, c);
            }
            copies.add(m);
        }
    }

    private NDArray copyTo(NDArray a, Device d) {
        return DeviceCopy.detached(a, d, manager);
    }

    /** The number of shards (devices). */
    public int size() {
        return devices.size();
    }

    /** The device of a shard. */
    public Device device(int shard) {
        return devices.get(shard);
    }

    /** A parameter store that hands shard {@code shard}'s copies to the blocks. */
    public ParameterStore store(int shard, NDManager storeManager) {
        Map<Parameter, NDArray> m = copies.get(shard);
        return new ParameterStore(storeManager, false) {
            @Override
            public NDArray getValue(Parameter parameter, Device device, boolean training) {
                return m == null ? parameter.getArray() : m.get(parameter);
            }
        };
    }

    /** Adds every replica's gradients into the master's and zeroes the replicas' (an all-reduce). */
    public void gatherGradients() {
        for (int s = 1; s < copies.size(); s++) {
            for (Map.Entry<Parameter, NDArray> e : copies.get(s).entrySet()) {
                NDArray master = e.getKey().getArray();
                if (!e.getKey().requiresGradient()) {
                    continue;
                }
                try (NDArray g = e.getValue().getGradient(); NDArray mg = master.getGradient();
                     NDArray moved = g.toDevice(master.getDevice(), true)) {
                    mg.addi(moved);
                    g.muli(0);
                }
            }
        }
    }

    /** Copies the master values into every replica (a broadcast, after the optimiser step). */
    public void refresh() {
        for (int s = 1; s < copies.size(); s++) {
            for (Map.Entry<Parameter, NDArray> e : copies.get(s).entrySet()) {
                NDArray master = e.getKey().getArray();
                try (NDArray detached = master.stopGradient();
                     NDArray moved = detached.toDevice(devices.get(s), true)) {
                    org.siglip4j.core.nn.InPlaceCopy.copy(e.getValue(), moved);
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Used by tests: the replica of a parameter on a shard. */
    NDArray replica(int shard, Parameter p) {
        return copies.get(shard).get(p);
    }

    /** Whether {@code params} covers a parameter (for assertions). */
    boolean covers(Parameter p) {
        return params.contains(p);
    }
}
