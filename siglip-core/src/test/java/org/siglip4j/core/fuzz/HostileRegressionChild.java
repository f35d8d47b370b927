package org.siglip4j.core.fuzz;

import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.SafetensorsReader;

/**
 * Child JVM side of the regression tests whose failure cannot be caught in-process: a JVM abort
 * (a panic in the Rust tokenizers library) or an OutOfMemoryError under a small {@code -Xmx}.
 * Prints one line per file: {@code ok ...}, {@code rejected MESSAGE} or {@code escape ...}.
 *
 * <p>{@code HostileRegressionChild tokenizer FILE...} or {@code HostileRegressionChild safetensors FILE}
 */
public final class HostileRegressionChild {
    private HostileRegressionChild() {}

    /** Runs each file through its public entry point. */
    public static void main(String[] args) throws Exception {
        for (int i = 1; i < args.length; i++) {
            Path f = Path.of(args[i]);
            try {
                if (args[0].equals("tokenizer")) {
                    new HostileFiles.TokenizerJson().run(java.nio.file.Files.readAllBytes(f), f.getParent());
                    System.out.println("ok " + f.getFileName());
                } else {
                    try (SafetensorsReader r = SafetensorsReader.open(f)) {
                        System.out.println("ok " + r.tensors().size());
                    }
                }
            } catch (SiglipException e) {
                System.out.println("rejected " + e.getMessage());
            } catch (Throwable t) {
                System.out.println("escape " + t);
            }
        }
        System.out.println("DONE");
    }
}
