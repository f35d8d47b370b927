package org.siglip4j.train.metrics;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.siglip4j.core.SiglipException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training metrics log: one JSON object per line ({@code step}, {@code loss}, {@code lr},
 * ...), flushed each line so a crashed run keeps everything it logged. On resume the lines past
 * the resumed step are dropped, so the log of a resumed run equals an uninterrupted one's.
 */
public final class MetricsLog implements AutoCloseable {
    // NaN and infinities are written as JSON's NaN/Infinity tokens rather than failing the run.
    private static final Gson GSON = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();
    private final BufferedWriter out;

    private MetricsLog(BufferedWriter out) {
        this.out = out;
    }

    /**
     * Opens the log for appending, keeping only records with {@code step <= keepUpToStep}
     * (pass -1 to start afresh).
     */
    public static MetricsLog open(Path file, int keepUpToStep) {
        try {
            List<String> kept = new ArrayList<>();
            if (keepUpToStep >= 0 && Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                        if (!o.has("step") || o.get("step").getAsInt() <= keepUpToStep) {
                            kept.add(line);
                        }
                    }
                }
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            for (String line : kept) {
                w.write(line);
                w.newLine();
            }
            w.flush();
            return new MetricsLog(w);
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot open metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    /** Appends one record. Values are numbers or strings. */
    public void log(Map<String, ?> record) {
        try {
            out.write(GSON.toJson(record));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new SiglipException("cannot write metrics log: " + e.getMessage(), e);
        }
    }

    /** Reads every record of a log as ordered maps of name to number or string. */
    public static List<Map<String, Object>> read(Path file) {
        List<Map<String, Object>> rows = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                Map<String, Object> row = new LinkedHashMap<>();
                JsonObject o = JsonParser.parseString(line).getAsJsonObject();
                o.entrySet().forEach(e -> {
                    var v = e.getValue().getAsJsonPrimitive();
                    row.put(e.getKey(), v.isNumber() ? (Object) v.getAsDouble() : v.getAsString());
                });
                rows.add(row);
            }
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot read metrics log " + file + ": " + e.getMessage(), e);
        }
        return rows;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new SiglipException("cannot close metrics log: " + e.getMessage(), e);
        }
    }
}
