package org.siglip4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import org.siglip4j.core.SiglipException;
import org.siglip4j.train.parallel.Replicas;

import java.util.function.BiFunction;

/**
 * One optimiser step as a {@link TrainingTask} sees it: the step's manager, the batch cut into
 * {@code devices x accumulate} contiguous pieces (piece p runs on device {@code p / accumulate})
 * and the parameter replica of each device.
 */
final class StepContext {
    private final NDManager manager;
    private final Replicas replicas;
    private final int accumulate;
    private final int size;
    private final int[] bounds;
    private final BiFunction<String, Double, SiglipException> nonFinite;

    StepContext(NDManager manager, Replicas replicas, int devices, int accumulate, int size,
                BiFunction<String, Double, SiglipException> nonFinite) {
        this.manager = manager;
        this.replicas = replicas;
        this.accumulate = accumulate;
        this.size = size;
        this.bounds = bounds(size, devices * accumulate);
        this.nonFinite = nonFinite;
    }

    /** The step's manager: closed when the step ends. */
    NDManager manager() {
        return manager;
    }

    /** Records in the batch. */
    int size() {
        return size;
    }

    /** Pieces the batch is cut into. */
    int pieces() {
        return bounds.length - 1;
    }

    /** Micro-batches per device. */
    int accumulate() {
        return accumulate;
    }

    /** The device (replica) that runs a piece. */
    int deviceOf(int piece) {
        return piece / accumulate;
    }

    /** The rows of the batch that form a piece. */
    NDIndex rows(int piece) {
        return new NDIndex("{}:{}", bounds[piece], bounds[piece + 1]);
    }

    /** A manager on the piece's device, below the step's. */
    NDManager newPieceManager(int piece) {
        return manager.newSubManager(replicas.device(deviceOf(piece)));
    }

    /** The parameter store of the piece's replica. */
    ParameterStore store(int piece, NDManager pieceManager) {
        return replicas.store(deviceOf(piece), pieceManager);
    }

    /** The rows of a piece, on the piece manager's device and owned by it. */
    NDArray piece(NDArray batch, int piece, NDManager pieceManager) {
        return move(batch.get(rows(piece)), pieceManager);
    }

    /** The error that stops a run on a non-finite loss or norm, naming the last good checkpoint. */
    SiglipException nonFinite(String what, double value) {
        return nonFinite.apply(what, value);
    }

    private static NDArray move(NDArray a, NDManager to) {
        NDArray moved = a.getDevice().equals(to.getDevice()) ? a : a.toDevice(to.getDevice(), false);
        moved.attach(to);
        return moved;
    }

    /** Contiguous, as-even-as-possible piece boundaries: the first {@code n % k} pieces get one more. */
    static int[] bounds(int n, int k) {
        int[] b = new int[k + 1];
        for (int p = 0; p < k; p++) {
            b[p + 1] = b[p] + n / k + (p < n % k ? 1 : 0);
        }
        return b;
    }
}
