package org.siglip4j.core.testing;

/** Runs test code with a system property set, and puts the previous value (or its absence) back. */
public final class SystemProperties {
    private SystemProperties() {}

    /** Runs {@code body} with {@code key} set to {@code value}. */
    public static void with(String key, String value, Runnable body) {
        String old = System.setProperty(key, value);
        try {
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }
}
