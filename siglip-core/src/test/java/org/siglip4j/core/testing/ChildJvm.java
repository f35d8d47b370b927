package org.siglip4j.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM on the test's own class path (same java binary, same classes), for tests that must
 * kill a process mid-write ({@link Process#destroyForcibly()} is SIGKILL on Linux: no shutdown
 * hooks, no finally blocks, exactly like a crash or the OOM killer).
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} with {@code args}; stderr is merged into the lines read. */
    public static ChildJvm start(Class<?> main, String... args) throws IOException {
        return start(List.of("-Xmx512m"), main, args);
    }

    /** Starts {@code main} with extra JVM options ({@code -Xmx...}, {@code -XX:ErrorFile=...}). */
    public static ChildJvm start(List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
        cmd.add("-Dsiglip.fixtures=" + Fixtures.dir());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        return new ChildJvm(pb.start());
    }

    /** The next line the child printed, or null after {@code seconds} (or when it died). */
    public String nextLine(double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(50, TimeUnit.MILLISECONDS);
            if (l != null) {
                return l;
            }
            if (!process.isAlive() && lines.isEmpty()) {
                return null;
            }
        }
        return null;
    }

    /** Lines printed so far and not yet read. */
    public List<String> drain() {
        List<String> out = new ArrayList<>();
        lines.drainTo(out);
        return out;
    }

    /** The process. */
    public Process process() {
        return process;
    }

    /** SIGKILL and wait for it to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
