package org.siglip4j.core;

/**
 * The one exception type of siglip4j: every error a user can act on (a bad file, a mismatched
 * checkpoint, an impossible config value) is reported as this, with a message naming the problem.
 */
public class SiglipException extends RuntimeException {

    /**
     * Creates an exception with a message a user can act on.
     *
     * @param message what went wrong and, where it helps, what was expected
     */
    public SiglipException(String message) {
        super(message);
    }

    /**
     * Creates an exception wrapping a lower-level cause.
     *
     * @param message what went wrong
     * @param cause the underlying error
     */
    public SiglipException(String message, Throwable cause) {
        super(message, cause);
    }
}
