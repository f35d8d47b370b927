package org.siglip4j.core.nn;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.siglip4j.core.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where calibrations are kept: one JSON file per {@link MachineKey} in {@code
 * ~/.cache/siglip4j/calibration/}, or the folder the system property {@value #DIR_PROPERTY} names.
 * Files are written atomically; a file that does not parse, has another format, or holds another
 * machine's key is ignored with one warning per process and never used.
 */
public final class CalibrationCache {
    /** The system property that names the calibration folder (tests point it at a temporary one). */
    public static final String DIR_PROPERTY = "siglip4j.calibrationDir";
    private static final Logger LOG = LoggerFactory.getLogger(CalibrationCache.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();
    /** Files already warned about, so a bad file costs one warning per process, not one per model. */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private CalibrationCache() {}

    /** The calibration folder: {@value #DIR_PROPERTY} if set, else {@code ~/.cache/siglip4j/calibration}. */
    public static Path dir() {
        String d = System.getProperty(DIR_PROPERTY);
        return d != null && !d.isBlank() ? Path.of(d)
                : Path.of(System.getProperty("user.home"), ".cache", "siglip4j", "calibration");
    }

    /**
     * The calibration of this machine and thread count in {@link #dir()}, if one was saved. Without
     * any file in the folder this returns at once, without starting the engine for the key.
     */
    public static Optional<KernelCalibration> forThisMachine() {
        Path d = dir();
        if (!hasFiles(d)) {
            return Optional.empty();
        }
        MachineKey key;
        try {
            key = MachineKey.current();
        } catch (RuntimeException e) {
            return ignore(d, "this machine's key needs the PyTorch engine (" + e.getMessage() + ")");
        }
        return load(d, key);
    }

    /** The calibration saved for {@code key} in {@code dir}; empty when there is none or it is unusable. */
    public static Optional<KernelCalibration> load(Path dir, MachineKey key) {
        Path file = dir.resolve(key.fileName());
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        KernelCalibration c;
        try {
            c = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), KernelCalibration.class);
        } catch (IOException | RuntimeException e) {
            return ignore(file, "it cannot be read (" + e.getMessage() + ")");
        }
        if (c == null) {
            return ignore(file, "it is empty");
        }
        if (c.format() != KernelCalibration.FORMAT) {
            return ignore(file, "it has format " + c.format() + ", not " + KernelCalibration.FORMAT);
        }
        if (!key.equals(c.machine())) {
            return ignore(file, "it was measured for " + c.machine() + ", not " + key);
        }
        return Optional.of(c);
    }

    /**
     * Saves {@code c} under its machine's key in {@code dir}, atomically (a reader never sees half a
     * file), replacing an earlier calibration of the same key.
     *
     * @return the file written
     */
    public static Path save(Path dir, KernelCalibration c) {
        Path file = dir.resolve(c.machine().fileName());
        AtomicFiles.write(file, GSON.toJson(c).getBytes(StandardCharsets.UTF_8));
        return file;
    }

    private static Optional<KernelCalibration> ignore(Path file, String why) {
        if (WARNED.add(file.toAbsolutePath().toString())) {
            LOG.warn("ignoring the kernel calibration {}: {}; the built-in compute defaults apply (run 'siglip "
                    + "calibrate' to measure again)", file, why);
        }
        return Optional.empty();
    }

    private static boolean hasFiles(Path d) {
        if (!Files.isDirectory(d)) {
            return false;
        }
        try (var s = Files.list(d)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".json"));
        } catch (IOException e) {
            return false;
        }
    }
}
