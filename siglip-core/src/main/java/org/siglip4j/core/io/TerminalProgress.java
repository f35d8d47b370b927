package org.siglip4j.core.io;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import org.siglip4j.core.pipeline.ProgressListener;

/**
 * The one progress bar of siglip4j's commands (images embedded, files downloaded, training steps),
 * drawn over one line of an error stream:
 *
 * <pre>
 * images  42% [=========>            ] 21/50 0:12 eta 0:17
 * </pre>
 *
 * <p>It is drawn only when the console is a terminal ({@link #isTerminal()}), so a log file or a
 * pipe never collects carriage-return frames. The text is never cut: the bar takes whatever width
 * is left (the {@code COLUMNS} environment variable, else 100) and is dropped when the text alone
 * does not fit. Redraws are throttled to five a second; closing draws the final state and ends the
 * line.
 */
public final class TerminalProgress implements ProgressListener, AutoCloseable {
    /** {@code -Dsiglip4j.progress=always|never|auto} overrides the terminal check (default auto). */
    public static final String PROPERTY = "siglip4j.progress";

    private static final long REDRAW_NANOS = 200_000_000L;
    private static final TerminalProgress OFF = new TerminalProgress(null, "", 0, "", 1);

    private final PrintWriter out;
    private final String task;
    private final String unit;
    private final long unitSize;
    private final long startNanos = System.nanoTime();
    private long total;
    private long done;
    private String message = "";
    private long lastDraw = Long.MIN_VALUE;
    private boolean drawn;

    private TerminalProgress(PrintWriter out, String task, long total, String unit, long unitSize) {
        this.out = out;
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.unitSize = unitSize;
    }

    /**
     * Whether progress bars should be drawn: the JVM has a terminal ({@link System#console()}),
     * unless {@value #PROPERTY} says {@code always} or {@code never}.
     *
     * @return true to draw
     */
    public static boolean isTerminal() {
        String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "always" -> true;
            case "never" -> false;
            default -> System.console() != null;
        };
    }

    /**
     * A bar counting items.
     *
     * @param out where to draw (standard error, so results on standard output stay clean)
     * @param task a short name such as {@code images}
     * @param total the number of items, or -1 when unknown
     * @param enabled false for a bar that draws nothing; a bar is also silent off a terminal
     * @return the bar; close it to end its line
     */
    public static TerminalProgress start(PrintWriter out, String task, long total, boolean enabled) {
        return start(out, task, total, "", 1, enabled);
    }

    /**
     * A bar counting in a unit, such as bytes shown as MiB.
     *
     * @param out where to draw
     * @param task a short name such as a file name
     * @param total the total in base units (bytes), or -1 when unknown
     * @param unit the unit shown, such as {@code MiB}
     * @param unitSize base units per shown unit, such as {@code 1 << 20}
     * @param enabled false for a bar that draws nothing; a bar is also silent off a terminal
     * @return the bar; close it to end its line
     */
    public static TerminalProgress start(PrintWriter out, String task, long total, String unit, long unitSize,
            boolean enabled) {
        if (!enabled || !isTerminal()) {
            return OFF;
        }
        return new TerminalProgress(out, task, total, unit, unitSize);
    }

    @Override
    public void onProgress(long done, long total) {
        if (out == null) {
            return;
        }
        synchronized (this) {
            this.total = total;
            stepTo(done);
        }
    }

    /**
     * Moves the bar to a count.
     *
     * @param done items (or base units) finished
     */
    public synchronized void stepTo(long done) {
        if (out == null) {
            return;
        }
        this.done = done;
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            draw();
        }
    }

    /**
     * Sets a message shown after the counts (for example the training loss).
     *
     * @param message the message, or "" for none
     */
    public synchronized void setMessage(String message) {
        this.message = message == null ? "" : message;
    }

    @Override
    public synchronized void close() {
        if (out == null) {
            return;
        }
        draw();
        if (drawn) {
            out.println();
            out.flush();
        }
    }

    private void draw() {
        out.print('\r');
        out.print(render(task, done, total, unit, unitSize, Duration.ofNanos(System.nanoTime() - startNanos), message,
                width()));
        out.flush();
        drawn = true;
    }

    private static int width() {
        String columns = System.getenv("COLUMNS");
        try {
            return columns == null ? 100 : Math.max(20, Integer.parseInt(columns.trim()));
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /**
     * One frame of the bar. The text (task, percentage, counts, times, message) is always complete;
     * the bar fills the remaining width and is left out when under five characters would remain.
     *
     * @param task the task name
     * @param done base units done
     * @param total base units in all, or -1 when unknown
     * @param unit the unit shown after the counts ("" for items)
     * @param unitSize base units per shown unit
     * @param elapsed time since the bar started
     * @param message an extra message, or ""
     * @param width the line width to fill
     * @return the frame, without line ending
     */
    public static String render(String task, long done, long total, String unit, long unitSize, Duration elapsed,
            String message, int width) {
        boolean known = total > 0;
        String percent = known ? String.format(Locale.ROOT, "%3d%%", Math.min(100, done * 100 / total)) : "";
        String counts = unitSize > 1
                ? String.format(Locale.ROOT, "%.1f/%s %s", done / (double) unitSize,
                        known ? String.format(Locale.ROOT, "%.1f", total / (double) unitSize) : "?", unit)
                : done + "/" + (known ? Long.toString(total) : "?") + (unit.isEmpty() ? "" : " " + unit);
        StringBuilder tail = new StringBuilder(counts).append(' ').append(clock(elapsed));
        if (known && done > 0 && done < total) {
            long etaNanos = (long) (elapsed.toNanos() * ((total - done) / (double) done));
            tail.append(" eta ").append(clock(Duration.ofNanos(etaNanos)));
        }
        if (!message.isEmpty()) {
            tail.append(' ').append(message);
        }
        String head = task + (percent.isEmpty() ? "" : " " + percent);
        int barWidth = width - head.length() - tail.length() - 4; // " [" + "] "
        if (!known || barWidth < 5) {
            return head + " " + tail;
        }
        int filled = (int) Math.min(barWidth, done * barWidth / total);
        StringBuilder bar = new StringBuilder(barWidth);
        for (int i = 0; i < barWidth; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return head + " [" + bar + "] " + tail;
    }

    private static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
