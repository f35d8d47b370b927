package org.siglip4j.eval;

import com.google.gson.JsonElement;
import org.siglip4j.core.io.BoundedJson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;

/**
 * An image-text retrieval set read from a JSONL manifest: one JSON object per line, {@code
 * {"image": "rel/path.jpg", "captions": ["...", "..."]}} or {@code {"image": "...", "text":
 * "..."}}. Image paths are relative to the manifest's folder (absolute paths are kept). Lines that
 * name the same image are merged into one entry with all their captions (so a one-caption-per-line
 * COCO export works), entries in order of first appearance. Blank lines are skipped.
 *
 * @param file the manifest file
 * @param entries the images with their captions
 */
public record RetrievalManifest(Path file, List<Entry> entries) {

    /**
     * One image and its captions.
     *
     * @param image the image file
     * @param captions at least one caption
     */
    public record Entry(Path image, List<String> captions) {
        /**
         * Freezes the captions.
         *
         * @param image the image
         * @param captions the captions
         */
        public Entry {
            captions = List.copyOf(captions);
        }
    }

    /**
     * Freezes the entries.
     *
     * @param file the manifest file
     * @param entries the entries
     */
    public RetrievalManifest {
        entries = List.copyOf(entries);
    }

    /**
     * Reads and validates a manifest; every image must exist.
     *
     * @param file the JSONL file
     * @return the manifest
     */
    public static RetrievalManifest read(Path file) {
        Path base = file.toAbsolutePath().getParent();
        Map<Path, List<String>> merged = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                String where = file + " line " + no;
                JsonObject o;
                try {
                    JsonElement e = BoundedJson.parse(line, "retrieval manifest");
                    if (!e.isJsonObject()) {
                        throw new SiglipException(where + ": expected a JSON object {\"image\": ...,"
                                + " \"captions\": [...]}");
                    }
                    o = e.getAsJsonObject();
                } catch (JsonParseException e) {
                    throw new SiglipException(where + " is not valid JSON: " + e.getMessage(), e);
                }
                JsonElement img = o.get("image");
                if (img == null || !img.isJsonPrimitive() || img.getAsString().isBlank()) {
                    throw new SiglipException(where + ": missing string field \"image\"");
                }
                List<String> caps = captions(o, where);
                Path image = base.resolve(img.getAsString()).normalize();
                if (!Files.isRegularFile(image)) {
                    throw new SiglipException(where + ": image " + image + " does not exist");
                }
                merged.computeIfAbsent(image, k -> new ArrayList<>()).addAll(caps);
            }
        } catch (IOException e) {
            throw new SiglipException("cannot read manifest " + file + ": " + e.getMessage(), e);
        }
        if (merged.isEmpty()) {
            throw new SiglipException("manifest " + file + " has no entries: expected JSON lines"
                    + " {\"image\": \"path\", \"captions\": [\"...\"]}");
        }
        List<Entry> entries = new ArrayList<>();
        merged.forEach((k, v) -> entries.add(new Entry(k, v)));
        return new RetrievalManifest(file, entries);
    }

    private static List<String> captions(JsonObject o, String where) {
        JsonElement caps = o.get("captions");
        JsonElement text = o.get("text");
        if ((caps == null) == (text == null)) {
            throw new SiglipException(where + ": expected exactly one of \"captions\" (array of"
                    + " strings) or \"text\" (string)");
        }
        List<String> out = new ArrayList<>();
        if (text != null) {
            if (!text.isJsonPrimitive()) {
                throw new SiglipException(where + ": \"text\" must be a string");
            }
            out.add(text.getAsString());
        } else {
            if (!caps.isJsonArray() || caps.getAsJsonArray().isEmpty()) {
                throw new SiglipException(where + ": \"captions\" must be a non-empty array of"
                        + " strings");
            }
            for (JsonElement c : caps.getAsJsonArray()) {
                if (!c.isJsonPrimitive()) {
                    throw new SiglipException(where + ": every caption must be a string");
                }
                out.add(c.getAsString());
            }
        }
        for (String s : out) {
            if (s.isBlank()) {
                throw new SiglipException(where + ": empty caption");
            }
        }
        return out;
    }

    /**
     * The images in entry order.
     *
     * @return the images
     */
    public List<Path> images() {
        List<Path> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.image());
        }
        return out;
    }

    /**
     * All captions, flattened in entry order.
     *
     * @return the captions
     */
    public List<String> texts() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries) {
            out.addAll(e.captions());
        }
        return out;
    }

    /**
     * The entry index of each flattened caption.
     *
     * @return one image index per text of {@link #texts()}
     */
    public int[] textToImage() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            for (int c = 0; c < entries.get(i).captions().size(); c++) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
