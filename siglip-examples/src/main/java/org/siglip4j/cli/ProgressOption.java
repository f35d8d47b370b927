package org.siglip4j.cli;

import picocli.CommandLine.Option;

/** {@code --no-progress}, the one option every command that draws progress bars shares (a picocli mixin). */
final class ProgressOption {
    @Option(names = "--no-progress", description = "Do not draw progress bars (they go to standard error).")
    boolean off;

    /** Whether to draw progress bars. */
    boolean show() {
        return !off;
    }
}
