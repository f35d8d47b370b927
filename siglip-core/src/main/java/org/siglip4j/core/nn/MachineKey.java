package org.siglip4j.core.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What a {@link KernelCalibration} holds for: the CPU (its model string and a hash of its feature
 * flags, since the same model name can run with AVX-512 on or off under a hypervisor), the
 * intra-op thread count and the libtorch version. A calibration measured under any other key is
 * not used.
 *
 * @param cpu the CPU's model string ({@code model name} in /proc/cpuinfo; the OS architecture elsewhere)
 * @param flagsHash the first 16 hex digits of the SHA-256 of the CPU's feature flags
 * @param threads libtorch's intra-op threads
 * @param libtorch libtorch's version
 */
public record MachineKey(String cpu, String flagsHash, int threads, String libtorch) {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** The key of this process: its CPU, libtorch's current thread count and version (starts the PyTorch engine). */
    public static MachineKey current() {
        String cpu = System.getProperty("os.arch");
        String flags = System.getProperty("os.name") + " " + System.getProperty("os.arch");
        try {
            List<String> lines = Files.readAllLines(CPUINFO);
            cpu = field(lines, "model name", cpu);
            flags = field(lines, "flags", flags);
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture names the machine as well as we can
        }
        String libtorch = Engine.getEngine("PyTorch").getVersion();
        return new MachineKey(cpu, sha256(flags).substring(0, 16), JniUtils.getNumThreads(), libtorch);
    }

    /** The cache file name of this key: a hash of all its fields, so any change finds no file. */
    public String fileName() {
        return "calibration-" + sha256(toString()).substring(0, 16) + ".json";
    }

    private static String field(List<String> lines, String name, String fallback) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return fallback;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
