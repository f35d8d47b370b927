package org.siglip4j.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.siglip4j.core.hub.DownloadListener;
import org.siglip4j.core.pipeline.ProgressListener;

/**
 * Progress bars (me.tongfei:progressbar) drawn on the command's error stream, so that standard
 * output stays clean for results and JSON.
 */
final class ProgressBars {
    private static final int WIDTH = 100;

    private ProgressBars() {}

    /** A bar for {@code total} items, or a no-op when {@code enabled} is false. */
    static Bar items(PrintWriter err, String task, long total, boolean enabled) {
        return new Bar(enabled ? bar(err, task, total, "", 1) : null);
    }

    /** Draws one bar per downloaded file (files already in the cache draw nothing). */
    static Downloads downloads(PrintWriter err, boolean enabled) {
        return new Downloads(err, enabled);
    }

    private static ProgressBar bar(PrintWriter err, String task, long total, String unit, long unitSize) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setConsumer(new WriterConsumer(err)).setUpdateIntervalMillis(200)
                .setStyle(ProgressBarStyle.UNICODE_BLOCK);
        if (unitSize > 1) {
            b.setUnit(unit, unitSize).showSpeed();
        }
        return b.build();
    }

    /** A progress listener drawing a bar; close it to finish the line. */
    static final class Bar implements ProgressListener, AutoCloseable {
        private final ProgressBar bar;

        private Bar(ProgressBar bar) {
            this.bar = bar;
        }

        @Override
        public void onProgress(long done, long total) {
            if (bar != null) {
                bar.maxHint(total);
                bar.stepTo(done);
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /** A download listener with one bar per file. */
    static final class Downloads implements DownloadListener, AutoCloseable {
        private final PrintWriter err;
        private final boolean enabled;
        private final Map<String, ProgressBar> bars = new HashMap<>();

        private Downloads(PrintWriter err, boolean enabled) {
            this.err = err;
            this.enabled = enabled;
        }

        @Override
        public synchronized void onProgress(String filename, long done, long total) {
            if (!enabled) {
                return;
            }
            ProgressBar b = bars.get(filename);
            if (b == null) {
                if (total >= 0 && done >= total) {
                    return; // served from the cache
                }
                b = bar(err, filename, total, "MiB", 1 << 20);
                bars.put(filename, b);
            }
            b.stepTo(done);
            if (total >= 0 && done >= total) {
                b.close();
            }
        }

        @Override
        public synchronized void close() {
            bars.values().forEach(ProgressBar::close);
        }
    }

    /** Writes the rendered bar over the current line of a PrintWriter. */
    private static final class WriterConsumer implements ProgressBarConsumer {
        private final PrintWriter out;

        WriterConsumer(PrintWriter out) {
            this.out = out;
        }

        @Override
        public int getMaxRenderedLength() {
            return WIDTH;
        }

        @Override
        public void accept(String rendered) {
            out.print('\r');
            out.print(rendered);
            out.flush();
        }

        @Override
        public void close() {
            out.println();
            out.flush();
        }
    }
}
