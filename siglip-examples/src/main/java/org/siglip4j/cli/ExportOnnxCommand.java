package org.siglip4j.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.onnx.Quantization;
import org.siglip4j.core.onnx.SiglipOnnxExporter;
import org.siglip4j.core.pipeline.SiglipPipelines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code siglip export-onnx --model M --out DIR [--quantize int8|int4|int8-weights]}. */
@Command(name = "export-onnx", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a SigLIP model as ONNX graphs, in Java (no Python): vision_model.onnx, "
                + "text_model.onnx and model.onnx (both towers and the logits).",
            "Inputs pixel_values [B, 3, S, S] float32 and input_ids [B, L] int64 (padded as the tokenizer pads); "
                    + "outputs last_hidden_state, pooler_output, image_embeds / text_embeds, logits_per_image, "
                    + "logits_per_text. float32 graphs use standard opset-17 operators; the quantised ones ONNX "
                    + "Runtime's com.microsoft operators."})
final class ExportOnnxCommand extends SiglipCommand {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "Model folder or hub id (default: the embedded default model).")
    String model;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--quantize", paramLabel = "float32|int8|int4|int8-weights", defaultValue = "float32",
            description = "Weights of the linear layers (default: ${DEFAULT-VALUE}).")
    String quantize;

    @Option(names = "--external-data",
            description = "Store the weights in <file>.onnx.data beside each graph (always done beyond 2 GiB).")
    boolean externalData;

    @Override
    public Integer call() throws IOException {
        Quantization q = Quantization.parse(quantize);
        String ref = model != null ? model : DefaultModel.path().map(Path::toString).orElseThrow(() ->
                new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--model=MODEL'"));
        Path dir = SiglipPipelines.resolveModel(ref);
        if (org.siglip4j.core.config.Siglip2Config.isSiglip2(dir)) {
            throw new SiglipException("cannot export " + ref + " to ONNX: SigLIP 2 NaFlex models are not exportable"
                    + " yet; run it with --engine pytorch");
        }
        List<String> archs = SiglipConfig.load(dir).architectures();
        if (archs != null && !archs.isEmpty() && !archs.contains("SiglipModel")) {
            throw new SiglipException("cannot export " + ref + " to ONNX: it is a " + String.join(", ", archs)
                    + " and only SiglipModel checkpoints can be exported yet; run it with --engine pytorch");
        }
        List<Path> files;
        try (NDManager manager = NDManager.newBaseManager();
                SiglipModel m = SiglipModel.fromPretrained(dir, manager)) {
            try {
                files = new SiglipOnnxExporter(m, q).exportTo(out, externalData);
            } catch (SiglipException e) {
                throw new SiglipException("cannot export " + ref + " to ONNX: " + e.getMessage(), e);
            }
        }
        PrintWriter w = spec.commandLine().getOut();
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.sorted().toList()) {
                if (files.stream().anyMatch(g -> f.getFileName().toString().startsWith(g.getFileName().toString()))) {
                    w.printf(Locale.ROOT, "%s  %.1f MB%n", f, Files.size(f) / 1e6);
                }
            }
        }
        w.flush();
        return 0;
    }
}
