package org.siglip4j.examples.bench;

import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-operator time of one call, from libtorch's own profiler (DJL's {@code JniUtils.startProfile}):
 * the Chrome trace it writes, and a summary by operator of <em>self</em> time (an operator's time
 * minus the operators it called), which is what says where a forward pass goes.
 */
final class OpProfile {
    /**
     * Self time of one operator name.
     *
     * @param name the aten operator
     * @param calls how many times it ran
     * @param selfMs milliseconds spent in it, not in operators it called
     */
    record Op(String name, int calls, double selfMs) {}

    private OpProfile() {}

    /** Runs {@code call} once under the profiler and writes the trace to {@code trace}. */
    static void record(Path trace, Runnable call) throws IOException {
        Files.createDirectories(trace.toAbsolutePath().getParent());
        JniUtils.startProfile(false, true, false);
        try {
            call.run();
        } finally {
            JniUtils.stopProfile(trace.toString());
        }
    }

    /** Operators of a trace by descending self time. */
    static List<Op> summarize(Path trace) throws IOException {
        JsonElement root = JsonParser.parseString(Files.readString(trace));
        JsonArray events = root.isJsonObject() ? root.getAsJsonObject().getAsJsonArray("traceEvents")
                : root.getAsJsonArray();
        List<double[]> spans = new ArrayList<>(); // start, duration, thread, index of name
        List<String> names = new ArrayList<>();
        Map<String, Integer> nameIds = new LinkedHashMap<>();
        for (JsonElement e : events) {
            JsonObject o = e.getAsJsonObject();
            if (!o.has("ph") || !"X".equals(o.get("ph").getAsString()) || !o.has("dur")) {
                continue;
            }
            String name = o.get("name").getAsString();
            int id = nameIds.computeIfAbsent(name, n -> {
                names.add(n);
                return names.size() - 1;
            });
            double tid = o.has("tid") && o.get("tid").isJsonPrimitive() && o.get("tid").getAsJsonPrimitive().isNumber()
                    ? o.get("tid").getAsDouble() : 0;
            spans.add(new double[] {o.get("ts").getAsDouble(), o.get("dur").getAsDouble(), tid, id});
        }
        // parents start no later and last longer: sort so that each span follows its parent
        spans.sort(Comparator.<double[]>comparingDouble(s -> s[2]).thenComparingDouble(s -> s[0])
                .thenComparingDouble(s -> -s[1]));
        double[] self = new double[names.size()];
        int[] calls = new int[names.size()];
        Deque<double[]> open = new ArrayDeque<>();
        for (double[] s : spans) {
            while (!open.isEmpty() && (open.peek()[2] != s[2] || open.peek()[0] + open.peek()[1] <= s[0])) {
                open.pop();
            }
            int id = (int) s[3];
            self[id] += s[1];
            calls[id]++;
            if (!open.isEmpty()) {
                self[(int) open.peek()[3]] -= s[1];
            }
            open.push(s);
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ops.add(new Op(names.get(i), calls[i], self[i] / 1000));
        }
        ops.sort(Comparator.comparingDouble(Op::selfMs).reversed());
        return ops;
    }

    /** The top operators as one line each: self ms, share of the total, calls. */
    static String format(List<Op> ops, int top) {
        double total = ops.stream().mapToDouble(Op::selfMs).sum();
        StringBuilder sb = new StringBuilder();
        for (Op op : ops.subList(0, Math.min(top, ops.size()))) {
            sb.append(String.format("    %9.1f ms %5.1f%% %5d x  %s%n", op.selfMs(), 100 * op.selfMs() / total, op.calls(),
                    op.name()));
        }
        return sb.toString();
    }
}
