package org.siglip4j.cli;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The model the commands use when {@code --model} is not given. None is shipped yet: until a
 * small demo model is bundled as a resource, {@code --model} is required.
 */
public final class DefaultModel {
    private DefaultModel() {}

    /**
     * The default model folder, if this build has one.
     *
     * @return empty for now
     */
    public static Optional<Path> path() {
        return Optional.empty();
    }
}
