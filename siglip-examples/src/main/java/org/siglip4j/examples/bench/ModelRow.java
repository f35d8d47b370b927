package org.siglip4j.examples.bench;

import java.io.IOException;

/**
 * One family of benchmark rows on a loaded SigLIP (towers, training step): {@link PresetRows}
 * builds or loads the model once, has the peer load the same weights, and runs each family on it.
 */
interface ModelRow {
    /**
     * Runs the row(s) on the loaded model and adds the results to {@code run}.
     *
     * @param run the bench run
     * @param loaded the model, its engine and preset name (the peer holds the same weights)
     */
    void run(BenchRun run, PresetRows.Loaded loaded) throws IOException;

    /** Whether the row trains (needs the PyTorch model after an ONNX Runtime engine was opened). */
    default boolean trains() {
        return false;
    }
}
