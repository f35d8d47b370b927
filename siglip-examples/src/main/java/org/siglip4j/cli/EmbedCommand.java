package org.siglip4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.DType;
import org.siglip4j.core.checkpoint.RawTensor;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.pipeline.ImageTowerPipeline;
import org.siglip4j.core.pipeline.SiglipPipeline;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code siglip embed --model M [--image P]... [--text T]... [--texts-file F] --out FILE.safetensors}. */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed images and texts into a .safetensors file (image_embeds, text_embeds, logits_per_image).",
            "Tensors (float32; the file is written atomically):",
            "  image_embeds      [n_images, d]        normalised, in --image order",
            "  text_embeds       [n_texts, d]         normalised, --text then --texts-file",
            "  logits_per_image  [n_images, n_texts]  only when both are given:",
            "                    image . text * exp(logit_scale) + logit_bias"})
final class EmbedCommand extends SiglipCommand {
    /** Tensor names: other tools read them; do not rename. */
    static final String IMAGE_EMBEDS = "image_embeds";
    static final String TEXT_EMBEDS = "text_embeds";
    static final String LOGITS_PER_IMAGE = "logits_per_image";

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-i", "--image"}, paramLabel = "IMAGE", description = "An image file (repeatable).")
    List<Path> images = new ArrayList<>();

    @Option(names = {"-t", "--text"}, paramLabel = "TEXT", description = "A text (repeatable).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--texts-file", paramLabel = "FILE",
            description = "More texts: a JSON array of strings, or a text file with one text per line "
                    + "(UTF-8; every line counts, a final newline does not add an empty text).")
    Path textsFile;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE.safetensors",
            description = "The output file (replaced atomically if it exists).")
    Path out;

    @Override
    public Integer call() {
        modelOptions.validate(spec);
        List<String> allTexts = new ArrayList<>(texts);
        if (textsFile != null) {
            allTexts.addAll(readTexts(textsFile));
        }
        if (images.isEmpty() && allTexts.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "nothing to embed: give at least one --image, --text or --texts-file");
        }
        ModelOptions.checkFilesExist(images);
        Map<String, RawTensor> tensors = new LinkedHashMap<>();
        Path imageOnly = modelOptions.imageOnlyModel(spec);
        if (imageOnly != null) {
            // a timm tower or HF vision model: image embeddings only
            if (!allTexts.isEmpty()) {
                throw new SiglipException(modelOptions.modelRef(spec) + " is an image-only model (no text tower):"
                        + " it embeds images only; drop --text / --texts-file");
            }
            try (ImageTowerPipeline p = ImageTowerPipeline.load(imageOnly, modelOptions.batchSize)) {
                tensors.put(IMAGE_EMBEDS, tensor(p.embedImages(images, true)));
            }
        } else {
            try (SiglipPipeline pipeline = modelOptions.load(spec)) {
                float[][] t = allTexts.isEmpty() ? null : pipeline.embedTexts(allTexts);
                float[][] i = null;
                if (!images.isEmpty()) {
                    try (ProgressBars.Bar bar = modelOptions.imageProgress(spec, images.size())) {
                        i = pipeline.embedImages(images, true, bar);
                    }
                    tensors.put(IMAGE_EMBEDS, tensor(i));
                }
                if (t != null) {
                    tensors.put(TEXT_EMBEDS, tensor(t));
                }
                if (i != null && t != null) {
                    tensors.put(LOGITS_PER_IMAGE, tensor(pipeline.logits(i, t)));
                }
            }
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot create the folder of " + out + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.writeRaw(out, tensors, Map.of("format", "pt"));
        PrintWriter w = spec.commandLine().getOut();
        StringBuilder what = new StringBuilder();
        tensors.forEach((n, r) -> what.append(what.length() == 0 ? "" : ", ").append(n).append(' ')
                .append(Arrays.toString(r.shape())));
        w.printf(Locale.ROOT, "wrote %s: %s%n", out, what);
        w.flush();
        return 0;
    }

    private static RawTensor tensor(float[][] rows) {
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * d];
        for (int r = 0; r < n; r++) {
            System.arraycopy(rows[r], 0, flat, r * d, d);
        }
        return RawTensor.ofFloats(flat, new long[] {n, d}, DType.F32);
    }

    /** Texts of a JSON array file or of a one-text-per-line file. */
    static List<String> readTexts(Path file) {
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new SiglipException("texts file not found: " + file);
        } catch (CharacterCodingException e) {
            throw new SiglipException("texts file " + file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new SiglipException("cannot read texts file " + file + ": " + e.getMessage(), e);
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        boolean jsonName = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        if (jsonName || content.stripLeading().startsWith("[")) {
            JsonElement root;
            try {
                root = JsonParser.parseString(content);
            } catch (JsonParseException e) {
                throw new SiglipException("texts file " + file + " is not valid JSON: " + e.getMessage(), e);
            }
            if (!root.isJsonArray()) {
                throw new SiglipException("texts file " + file + " must hold a JSON array of strings, found "
                        + (root.isJsonObject() ? "an object" : root.toString()));
            }
            JsonArray a = root.getAsJsonArray();
            List<String> out = new ArrayList<>(a.size());
            for (int k = 0; k < a.size(); k++) {
                JsonElement e = a.get(k);
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                    throw new SiglipException("texts file " + file + ": element " + k + " is " + e
                            + ", expected a string");
                }
                out.add(e.getAsString());
            }
            return out;
        }
        List<String> lines = new ArrayList<>(Arrays.asList(content.split("\r?\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }
}
