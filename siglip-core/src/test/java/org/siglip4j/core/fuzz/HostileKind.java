package org.siglip4j.core.fuzz;

import java.nio.file.Path;
import java.util.Random;

/**
 * One kind of file siglip4j reads, for structure-aware fuzzing: a generator that builds hostile
 * files from the format's grammar (fields, lengths, nesting, counts chosen to lie or to be
 * extreme), and the public entry point that must accept each file or reject it with a
 * {@link org.siglip4j.core.SiglipException}.
 */
public interface HostileKind {
    /** A short name ({@code safetensors}, {@code tokenizer.json}, ...). */
    String name();

    /** Builds one file from {@code rnd} (deterministic for a seed). */
    byte[] generate(Random rnd);

    /**
     * Runs the public API on one file.
     *
     * @param input the file's bytes
     * @param work a private folder for this child, kept between cases
     * @throws Exception anything; only {@code SiglipException} counts as a clean rejection
     */
    void run(byte[] input, Path work) throws Exception;

    /** Bytes of model the case loads besides its input (for the memory bound), default none. */
    default long modelBytes() {
        return 0;
    }
}
