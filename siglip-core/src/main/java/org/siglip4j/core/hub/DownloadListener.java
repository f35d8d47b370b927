package org.siglip4j.core.hub;

/**
 * Receives download progress, e.g. to draw a progress bar. Called on the downloading thread; keep
 * it cheap (throttle drawing on the listener side).
 */
@FunctionalInterface
public interface DownloadListener {

    /** A listener that ignores every update. */
    DownloadListener NONE = (filename, bytesDone, totalBytes) -> { };

    /**
     * Reports progress of one file. {@code bytesDone} counts bytes already on disk, including those
     * of a resumed partial download. A file served from the cache is reported once with
     * {@code bytesDone == totalBytes}.
     *
     * @param filename the file's name in the repo, e.g. {@code model.safetensors}
     * @param bytesDone bytes of the file on disk so far
     * @param totalBytes the file's size, or -1 when the server did not say
     */
    void onProgress(String filename, long bytesDone, long totalBytes);
}
