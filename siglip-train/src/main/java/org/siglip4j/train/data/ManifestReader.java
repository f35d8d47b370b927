package org.siglip4j.train.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads image-text manifests: JSON Lines ({@code {"image": "a.jpg", "text": "a cat"}}, where
 * {@code text} may be an array, or {@code captions} an array, for several captions per image) or
 * CSV with a header row naming {@code image} and {@code text} columns (several captions: repeat
 * the image on several rows). Image paths are relative to the manifest's folder.
 *
 * <p>A record whose image is missing or whose captions are all blank is skipped and listed in
 * {@link PairDataset#skipped()}; a file that is not a manifest at all is an error.
 */
public final class ManifestReader {
    private ManifestReader() {}

    /**
     * Reads a manifest, choosing the format by extension ({@code .jsonl}/{@code .json} or {@code .csv}).
     *
     * @throws SiglipException if the file cannot be read or has no usable structure
     */
    public static PairDataset read(Path manifest) {
        if (!Files.isRegularFile(manifest)) {
            throw new SiglipException("manifest not found: " + manifest);
        }
        String name = manifest.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        try {
            if (name.endsWith(".csv")) {
                return readCsv(manifest);
            }
            if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
                return readJsonLines(manifest);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot read manifest " + manifest + ": " + e.getMessage(), e);
        } catch (SiglipException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SiglipException("cannot read manifest " + manifest + ": " + e.getClass().getSimpleName() + ": "
                    + BoundedJson.firstLine(e), e);
        }
        throw new SiglipException("unknown manifest format " + manifest + " (expected .jsonl or .csv)");
    }

    private static PairDataset readJsonLines(Path manifest) throws IOException {
        Path base = baseOf(manifest);
        List<ImageTextPair> pairs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Path> missing = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(manifest, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonObject obj;
                try {
                    JsonElement el = BoundedJson.parse(line, "line " + lineNo);
                    if (!el.isJsonObject()) {
                        skipped.add("line " + lineNo + ": not a JSON object");
                        continue;
                    }
                    obj = el.getAsJsonObject();
                } catch (SiglipException e) {
                    skipped.add("line " + lineNo + ": invalid JSON (" + e.getMessage() + ")");
                    continue;
                }
                JsonElement image = obj.get("image");
                if (image == null || !image.isJsonPrimitive()) {
                    skipped.add("line " + lineNo + ": no \"image\" field");
                    continue;
                }
                List<String> captions = new ArrayList<>();
                collectCaptions(obj.get("text"), captions);
                collectCaptions(obj.get("captions"), captions);
                add(base, "line " + lineNo, image.getAsString(), captions, pairs, skipped, missing);
            }
        }
        return new PairDataset(pairs, skipped, missing);
    }

    private static void collectCaptions(JsonElement el, List<String> out) {
        if (el == null || el.isJsonNull()) {
            return;
        }
        if (el.isJsonArray()) {
            JsonArray arr = el.getAsJsonArray();
            for (JsonElement c : arr) {
                if (c.isJsonPrimitive()) {
                    out.add(c.getAsString());
                }
            }
        } else if (el.isJsonPrimitive()) {
            out.add(el.getAsString());
        }
    }

    private static PairDataset readCsv(Path manifest) throws IOException {
        Path base = baseOf(manifest);
        List<ImageTextPair> pairs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<Path> missing = new ArrayList<>();
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true)
                .setIgnoreSurroundingSpaces(true).get();
        try (Reader in = Files.newBufferedReader(manifest, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(in, format)) {
            if (!parser.getHeaderMap().containsKey("image") || !parser.getHeaderMap().containsKey("text")) {
                throw new SiglipException("CSV manifest " + manifest + " needs a header with 'image' and 'text' columns, got "
                        + WebDatasetReader.printable(String.valueOf(parser.getHeaderNames())));
            }
            // Rows of the same image are merged into one record with several captions, in order.
            java.util.LinkedHashMap<String, List<String>> byImage = new java.util.LinkedHashMap<>();
            java.util.Map<String, Long> firstLine = new java.util.HashMap<>();
            for (CSVRecord rec : parser) {
                if (!rec.isConsistent()) {
                    skipped.add("line " + rec.getRecordNumber() + ": wrong number of columns");
                    continue;
                }
                String image = rec.get("image");
                byImage.computeIfAbsent(image, k -> new ArrayList<>()).add(rec.get("text"));
                firstLine.putIfAbsent(image, rec.getRecordNumber() + 1);
            }
            byImage.forEach((image, caps) ->
                    add(base, "line " + firstLine.get(image), image, caps, pairs, skipped, missing));
        } catch (java.io.UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            // commons-csv reports a broken quote or header this way; after a broken quote the rest
            // of the file cannot be split into rows reliably, so the whole manifest is refused
            String why = e instanceof java.io.UncheckedIOException u && u.getCause() != null
                    ? u.getCause().getMessage() : e.getMessage();
            throw new SiglipException("CSV manifest " + manifest + " is malformed: " + why, e);
        }
        return new PairDataset(pairs, skipped, missing);
    }

    private static void add(Path base, String where, String image, List<String> captions,
                            List<ImageTextPair> pairs, List<String> skipped, List<Path> missing) {
        List<String> usable = captions.stream().filter(c -> !c.isBlank()).toList();
        Path file;
        try {
            file = base.resolve(image).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            skipped.add(where + ": invalid image path (" + e.getReason() + ")");
            return;
        }
        if (image.isBlank()) {
            skipped.add(where + ": empty image path");
        } else if (usable.isEmpty()) {
            skipped.add(where + ": no caption for " + image);
        } else if (!Files.isRegularFile(file)) {
            skipped.add(where + ": image " + image + " not found");
            missing.add(file);
        } else {
            pairs.add(new ImageTextPair(file, usable));
        }
    }

    private static Path baseOf(Path manifest) {
        Path parent = manifest.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }
}
