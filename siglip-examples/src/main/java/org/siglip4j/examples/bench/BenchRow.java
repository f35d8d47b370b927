package org.siglip4j.examples.bench;

import java.io.IOException;

/**
 * One family of benchmark rows that needs no loaded SigLIP model (the linear-rate ceiling, the
 * tokenizer, preprocessing, memory over time): it times siglip4j and the peer alternately and
 * adds its rows to the run.
 */
interface BenchRow {
    /** Runs the row(s) and adds the results to {@code run}. */
    void run(BenchRun run) throws IOException;
}
