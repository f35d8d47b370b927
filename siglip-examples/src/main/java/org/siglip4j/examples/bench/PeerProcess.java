package org.siglip4j.examples.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * {@code bench/peer.py} running under a given Python: one JSON request per line on its stdin, one
 * JSON answer per line on its stdout (its stderr goes to ours). Keeping one process for the
 * whole run lets the bench alternate siglip4j and PyTorch call by call.
 */
public final class PeerProcess implements AutoCloseable {
    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;

    private PeerProcess(Process process) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts the peer, or says why it cannot run.
     *
     * @param python the interpreter with torch, numpy, sentencepiece and PIL
     * @param script {@code bench/peer.py}
     * @param threads intra-op threads for torch (same as ours)
     * @return the running peer and its {@code hello} answer (versions)
     * @throws SiglipException if the script is missing or the interpreter lacks a package
     */
    public static PeerProcess start(String python, Path script, int threads) {
        if (!Files.isRegularFile(script)) {
            throw new SiglipException("peer script " + script + " not found (run from the repository root or pass --peer)");
        }
        List<String> cmd = new ArrayList<>(List.of(python, "-u", script.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        // the same thread count for OpenMP/BLAS inside torch as torch.set_num_threads
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        try {
            PeerProcess p = new PeerProcess(pb.start());
            JsonObject hello = new JsonObject();
            hello.addProperty("cmd", "hello");
            hello.addProperty("threads", threads);
            p.hello = p.request(hello);
            return p;
        } catch (IOException e) {
            throw new SiglipException("cannot start peer '" + python + "': " + e.getMessage(), e);
        }
    }

    private JsonObject hello;

    /** The peer's versions: torch, numpy, python, BLAS, threads. */
    public JsonObject hello() {
        return hello;
    }

    /**
     * Sends one request and waits for its answer.
     *
     * @throws SiglipException if the peer died or answered {@code ok: false}
     */
    public synchronized JsonObject request(JsonObject req) {
        try {
            in.write(req.toString());
            in.write('\n');
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new SiglipException("peer exited (code " + waitExit() + ") while answering " + req.get("cmd"));
            }
            JsonObject res = JsonParser.parseString(line).getAsJsonObject();
            if (!res.get("ok").getAsBoolean()) {
                throw new SiglipException("peer failed on " + req.get("cmd") + ": " + res.get("error").getAsString());
            }
            return res;
        } catch (IOException e) {
            throw new SiglipException("peer I/O failed on " + req.get("cmd") + ": " + e.getMessage(), e);
        }
    }

    /** A request with just a command name. */
    public JsonObject request(String cmd) {
        JsonObject req = new JsonObject();
        req.addProperty("cmd", cmd);
        return request(req);
    }

    private int waitExit() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        try {
            in.write("{\"cmd\":\"quit\"}\n");
            in.flush();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
