package org.siglip4j.examples.bench;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.engine.EngineType;
import org.siglip4j.core.engine.ExecutionPolicy;
import org.siglip4j.core.engine.SiglipEngine;
import org.siglip4j.core.model.SiglipModel;

/**
 * The model rows of one preset: random weights (HF-style initialisation) written once as
 * {@code model.safetensors} with Hugging Face names, loaded by the peer too, so both sides compute
 * the same function; {@link Benchmark#TINY} loads the assets folder's model instead. The towers run
 * on the engine of {@link Benchmark.Options#policy()}; with ONNX Runtime and no training row the
 * PyTorch model is closed once the graphs are exported, so the rows' peak RSS is ONNX Runtime's.
 */
final class PresetRows implements BenchRow {
    /**
     * A preset ready for the rows.
     *
     * @param preset its name, or {@link Benchmark#TINY}
     * @param config its configuration
     * @param model the PyTorch model; null on ONNX Runtime when no row trains
     * @param engine the engine the tower rows call
     */
    record Loaded(String preset, SiglipConfig config, SiglipModel model, SiglipEngine engine) {}

    private final String preset;
    private final List<ModelRow> rows;

    PresetRows(String preset, List<ModelRow> rows) {
        this.preset = preset;
        this.rows = List.copyOf(rows);
    }

    @Override
    public void run(BenchRun run) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        boolean tiny = Benchmark.TINY.equals(preset);
        Path dir;
        try (NDManager root = NDManager.newBaseManager()) {
            SiglipModel model;
            if (tiny) {
                dir = run.options.assets();
                model = SiglipModel.fromPretrained(dir, root);
            } else {
                dir = run.work.resolve(preset);
                model = SiglipModel.newModel(SiglipConfig.preset(preset), root);
                if (run.peer != null) {
                    // only the peer reads the file (3.5 GB at so400m: not written for a run without one)
                    run.out.println(preset + ": random weights, writing safetensors ...");
                    run.out.flush();
                    model.save(dir);
                }
            }
            SiglipEngine engine = null;
            try {
                if (run.peer != null) {
                    JsonObject req = BenchRun.req("load");
                    req.addProperty("dir", dir.toAbsolutePath().toString());
                    run.peer.request(req);
                }
                engine = open(run, model);
                SiglipConfig config = model.config();
                if (engine.type() != EngineType.PYTORCH && rows.stream().noneMatch(ModelRow::trains)) {
                    model.close();
                    model = null;
                }
                Loaded loaded = new Loaded(preset, config, model, engine);
                for (ModelRow row : rows) {
                    row.run(run, loaded);
                }
            } finally {
                if (engine != null) {
                    engine.close();
                }
                if (model != null) {
                    model.close();
                }
                if (run.peer != null) {
                    run.peer.request("unload");
                }
                if (!tiny) {
                    BenchRun.deleteTree(dir);
                }
            }
        }
    }

    private static SiglipEngine open(BenchRun run, SiglipModel model) {
        ExecutionPolicy p = run.options.policy();
        if (p.engine() == EngineType.PYTORCH) {
            return SiglipEngine.open(model, null, p);
        }
        long t0 = System.nanoTime();
        // the export goes to the run's temporary folder unless --onnx-cache names one
        ExecutionPolicy q = p.onnxCacheDir() == null ? p.withOnnxCacheDir(run.work.resolve("onnx")) : p;
        SiglipEngine e = SiglipEngine.open(model, null, q.withThreads(run.options.threads()));
        run.out.printf(java.util.Locale.ROOT, "%s %s: export and sessions %.1f s%n", p.engine().label(),
                p.quantization().label(), (System.nanoTime() - t0) / 1e9);
        run.out.flush();
        return e;
    }
}
