package org.siglip4j.examples.bench;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

/**
 * Texts per second of our tokenizer and HF's slow {@code SiglipTokenizer} (the peer) on 1024 texts
 * (the assets' {@code inputs/texts.json} with " i" appended, round robin), one batch call; every id
 * is compared first.
 */
final class TokenizerRow implements BenchRow {
    /** The corpus: the assets' texts, round robin, each with its index appended, 1024 in all. */
    static List<String> corpus(Path assets) throws IOException {
        String[] fixture = new Gson().fromJson(Files.readString(assets.resolve("inputs/texts.json")), String[].class);
        List<String> texts = new ArrayList<>();
        for (int i = 0; texts.size() < 1024; i++) {
            texts.add(fixture[i % fixture.length] + " " + i);
        }
        return texts;
    }

    @Override
    public void run(BenchRun run) throws IOException {
        Path assets = run.options.assets();
        List<String> texts = corpus(assets);
        run.resetPeaks();
        try (SiglipTokenizer tok = SiglipTokenizer.load(assets)) {
            String verdict = "not checked";
            JsonObject extra = new JsonObject();
            JsonArray arr = new JsonArray();
            texts.forEach(arr::add);
            extra.add("texts", arr);
            if (run.peer != null) {
                JsonObject req = BenchRun.req("tokenizer");
                req.addProperty("dir", assets.toAbsolutePath().toString());
                run.peer.request(req);
                long[][] ours = tok.encode(texts);
                Path f = run.work.resolve("peer-ids.bin");
                JsonObject call = BenchRun.req("run");
                call.addProperty("row", "tokenizer");
                call.addProperty("out", f.toString());
                call.add("texts", arr);
                run.peer.request(call);
                ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
                int bad = 0;
                for (long[] row : ours) {
                    for (long id : row) {
                        bad += bb.getLong() == id ? 0 : 1;
                    }
                }
                verdict = bad == 0 ? "ids equal (" + texts.size() + " texts)" : "FAIL: " + bad + " ids differ";
                if (bad != 0) {
                    run.add(run.failed("tokenizer", "-", texts.size(), "texts/s", verdict));
                    return;
                }
            }
            double[] t = run.alternate(k -> BenchRun.timeCalls(k, () -> tok.encode(texts)),
                    run.peerTimer("tokenizer", null, extra));
            run.add(new Benchmark.Row("tokenizer", "fixture spiece.model", texts.size(), "texts/s", texts.size() / t[0],
                    texts.size() / t[1], Double.NaN, Double.NaN, BenchRun.oursPeakMib(), run.peerPeakMib(), verdict,
                    "batch call; " + BenchRun.note(t)));
        }
    }
}
