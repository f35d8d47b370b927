package org.siglip4j.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import org.siglip4j.core.hub.DownloadListener;
import org.siglip4j.core.io.TerminalProgress;
import org.siglip4j.core.pipeline.ProgressListener;

/**
 * The commands' progress bars: {@link TerminalProgress} drawn on the command's error stream (so
 * standard output stays clean for results and JSON), and only when the console is a terminal.
 */
final class ProgressBars {
    private ProgressBars() {}

    /** A bar for {@code total} items, or a no-op when {@code enabled} is false. */
    static Bar items(PrintWriter err, String task, long total, boolean enabled) {
        return new Bar(TerminalProgress.start(err, task, total, enabled));
    }

    /** Draws one bar per downloaded file (files already in the cache draw nothing). */
    static Downloads downloads(PrintWriter err, boolean enabled) {
        return new Downloads(err, enabled);
    }

    /** A progress listener drawing a bar; close it to finish the line. */
    static final class Bar implements ProgressListener, AutoCloseable {
        private final TerminalProgress bar;

        private Bar(TerminalProgress bar) {
            this.bar = bar;
        }

        @Override
        public void onProgress(long done, long total) {
            bar.onProgress(done, total);
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** A download listener with one bar per file. */
    static final class Downloads implements DownloadListener, AutoCloseable {
        private final PrintWriter err;
        private final boolean enabled;
        private final Map<String, TerminalProgress> bars = new HashMap<>();

        private Downloads(PrintWriter err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        @Override
        public synchronized void onProgress(String filename, long done, long total) {
            if (!enabled) {
                return;
            }
            TerminalProgress b = bars.get(filename);
            if (b == null) {
                if (total >= 0 && done >= total) {
                    return; // served from the cache
                }
                b = TerminalProgress.start(err, filename, total, "MiB", 1 << 20, true);
                bars.put(filename, b);
            }
            b.onProgress(done, total);
            if (total >= 0 && done >= total) {
                b.close();
                bars.put(filename, TerminalProgress.start(err, filename, 0, false)); // closed once
            }
        }

        @Override
        public synchronized void close() {
            bars.values().forEach(TerminalProgress::close);
        }
    }
}
