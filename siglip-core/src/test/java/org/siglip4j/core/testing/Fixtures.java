package org.siglip4j.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Locates the golden {@code siglip-tiny} fixture folder (made with HF transformers v4.45.1) that
 * lives in siglip-core's test resources, from any module's tests.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The fixture model folder (config.json, model.safetensors, spiece.model, ...). */
    public static Path dir() {
        String prop = System.getProperty("siglip.fixtures");
        Path p = prop != null ? Paths.get(prop) : Paths.get("src/test/resources/siglip-tiny");
        if (!Files.isDirectory(p)) {
            p = Paths.get("../siglip-core/src/test/resources/siglip-tiny");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("siglip-tiny fixtures not found (looked at " + prop + ")");
        }
        return p.toAbsolutePath().normalize();
    }

    /** Another fixture folder of siglip-core's test resources, e.g. {@code siglip2-tiny-naflex}. */
    public static Path dir(String name) {
        Path p = dir().resolveSibling(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException(name + " fixtures not found at " + p);
        }
        return p;
    }

    /** An expected tensor of another fixture folder, {@code <name>/expected/<tensor>.npy}. */
    public static Npy.Array expected(String folder, String tensor) {
        try {
            return Npy.read(dir(folder).resolve("expected").resolve(tensor + ".npy"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file of the fixture folder. */
    public static Path file(String relative) {
        return dir().resolve(relative);
    }

    /** An expected tensor, {@code expected/<name>.npy}. */
    public static Npy.Array expected(String name) {
        try {
            return Npy.read(dir().resolve("expected").resolve(name + ".npy"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts {@code |a - b| <= atol + rtol * |b|} elementwise, reporting the worst element.
     */
    public static void assertClose(double[] expected, double[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double excess = Math.abs(actual[i] - expected[i]) - (atol + rtol * Math.abs(expected[i]));
            if (Double.isNaN(actual[i]) || excess > worst) {
                worst = Double.isNaN(actual[i]) ? Double.POSITIVE_INFINITY : excess;
                at = i;
            }
        }
        if (at >= 0) {
            throw new AssertionError(String.format("%s: element %d expected %.8g got %.8g (tolerance %.2g + %.2g*|e|)",
                    what, at, expected[at], actual[at], atol, rtol));
        }
    }

    /** Float overload of {@link #assertClose(double[], double[], double, double, String)}. */
    public static void assertClose(double[] expected, float[] actual, double atol, double rtol, String what) {
        double[] a = new double[actual.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        assertClose(expected, a, atol, rtol, what);
    }
}
