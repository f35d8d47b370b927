package org.siglip4j.core.pipeline;

/** Told after each batch how many of a call's inputs are done (called on the calling thread). */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores progress. */
    ProgressListener NONE = (done, total) -> {};

    /**
     * Reports progress.
     *
     * @param done inputs finished so far
     * @param total inputs in this call
     */
    void onProgress(long done, long total);
}
