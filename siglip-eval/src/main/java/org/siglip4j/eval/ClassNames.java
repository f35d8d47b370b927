package org.siglip4j.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;

/**
 * Human-readable class names for the class folders of a labelled image folder.
 *
 * <p>Either a list in class order (one name per class, matched to the sorted folder names by
 * position) or a map from folder name to class name. Sources:
 *
 * <ul>
 *   <li>{@link #imagenet()}: the 1000 ImageNet-1k WordNet ids and short names from DJL's {@code
 *       ai.djl:basicdataset} resource {@code imagenet/classes.json}. Two short names occur twice
 *       there ({@code crane}: the bird n02012849 and the machine n03126707; {@code maillot}:
 *       n03710637 and n03710721); identical names give identical text embeddings, so one class of
 *       each pair could never win. siglip4j therefore renames three of them (see {@link
 *       #IMAGENET_DISAMBIGUATION}); all other names are DJL's.
 *   <li>{@link #fromFile(Path)}: a text file (one name per line) or JSON (an array of names, an
 *       object {@code {"folder": "name"}}, or DJL's form {@code [["folder", "name", ...], ...]}).
 *   <li>{@link #fromFolderName(String)}: the folder name itself, underscores read as spaces.
 * </ul>
 */
public final class ClassNames {

    /** Renamed ImageNet classes whose DJL short name is shared with another class. */
    public static final Map<String, String> IMAGENET_DISAMBIGUATION = Map.of(
            "n02012849", "crane bird",
            "n03126707", "construction crane",
            "n03710721", "tank suit");

    private static final Pattern WNID = Pattern.compile("n\\d{8}");
    private static volatile ClassNames imagenet;

    private final List<String> ordered;
    private final Map<String, String> byFolder;
    private final String source;

    private ClassNames(List<String> ordered, Map<String, String> byFolder, String source) {
        this.ordered = ordered == null ? null : List.copyOf(ordered);
        this.byFolder = byFolder == null ? null : Collections.unmodifiableMap(byFolder);
        this.source = source;
    }

    /**
     * Names given in class order.
     *
     * @param names one name per class
     * @param source describes where they came from, for error messages
     * @return the names
     */
    public static ClassNames ofList(List<String> names, String source) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) == null || names.get(i).isBlank()) {
                throw new SiglipException(source + ": class name " + (i + 1) + " is empty");
            }
        }
        return new ClassNames(names, null, source);
    }

    /**
     * Names keyed by folder name.
     *
     * @param byFolder folder name to class name, in class order
     * @param source describes where they came from, for error messages
     * @return the names
     */
    public static ClassNames ofMap(Map<String, String> byFolder, String source) {
        return new ClassNames(null, new LinkedHashMap<>(byFolder), source);
    }

    /**
     * The ImageNet-1k WordNet-id to name map (1000 entries, in DJL's order, which is the sorted
     * WordNet-id order used by the standard class indices).
     *
     * @return the map-based names
     */
    public static ClassNames imagenet() {
        ClassNames c = imagenet;
        if (c == null) {
            c = loadImagenet();
            imagenet = c;
        }
        return c;
    }

    private static ClassNames loadImagenet() {
        String res = "/imagenet/classes.json";
        try (InputStream in = ClassNames.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new SiglipException("resource " + res + " not found: ai.djl:basicdataset must"
                        + " be on the classpath");
            }
            JsonArray arr = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonArray();
            Map<String, String> map = new LinkedHashMap<>();
            for (JsonElement e : arr) {
                JsonArray row = e.getAsJsonArray();
                String wnid = row.get(0).getAsString();
                map.put(wnid, IMAGENET_DISAMBIGUATION.getOrDefault(wnid, row.get(1).getAsString()));
            }
            return new ClassNames(null, map, "ImageNet-1k (DJL basicdataset imagenet/classes.json)");
        } catch (IOException | RuntimeException e) {
            if (e instanceof SiglipException se) {
                throw se;
            }
            throw new SiglipException("cannot read " + res + " from ai.djl:basicdataset: " + e, e);
        }
    }

    /**
     * Reads class names from a file: JSON if the first non-blank character is {@code [} or
     * {@code {}, otherwise one name per line (blank lines and {@code #} comments skipped).
     *
     * @param file the file
     * @return the names
     */
    public static ClassNames fromFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SiglipException("cannot read class-name file " + file + ": " + e.getMessage(),
                    e);
        }
        String src = "class-name file " + file;
        String t = text.strip();
        if (t.startsWith("[") || t.startsWith("{")) {
            return fromJson(t, src);
        }
        List<String> names = new ArrayList<>();
        for (String line : t.split("\\R")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                names.add(s);
            }
        }
        if (names.isEmpty()) {
            throw new SiglipException(src + " has no class names");
        }
        return ofList(names, src);
    }

    private static ClassNames fromJson(String text, String src) {
        JsonElement root;
        try (Reader r = new java.io.StringReader(text)) {
            root = JsonParser.parseReader(r);
        } catch (IOException | JsonParseException e) {
            throw new SiglipException(src + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root.isJsonObject()) {
            Map<String, String> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : ((JsonObject) root).entrySet()) {
                if (!e.getValue().isJsonPrimitive()) {
                    throw new SiglipException(src + ": value of '" + e.getKey()
                            + "' must be a string class name");
                }
                map.put(e.getKey(), e.getValue().getAsString());
            }
            return ofMap(map, src);
        }
        JsonArray arr = root.getAsJsonArray();
        if (arr.isEmpty()) {
            throw new SiglipException(src + " has no class names");
        }
        if (arr.get(0).isJsonArray()) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int i = 0; i < arr.size(); i++) {
                JsonElement e = arr.get(i);
                if (!e.isJsonArray() || e.getAsJsonArray().size() < 2) {
                    throw new SiglipException(src + ": entry " + (i + 1)
                            + " must be [\"folder\", \"name\", ...]");
                }
                map.put(e.getAsJsonArray().get(0).getAsString(),
                        e.getAsJsonArray().get(1).getAsString());
            }
            return ofMap(map, src);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonElement e = arr.get(i);
            if (!e.isJsonPrimitive()) {
                throw new SiglipException(src + ": entry " + (i + 1) + " must be a string");
            }
            names.add(e.getAsString());
        }
        return ofList(names, src);
    }

    /**
     * A folder name read as a class name: underscores become spaces.
     *
     * @param folder the folder name
     * @return the class name
     */
    public static String fromFolderName(String folder) {
        return folder.replace('_', ' ').strip();
    }

    /**
     * Default names for class folders: ImageNet names if every folder is an ImageNet-1k WordNet
     * id, otherwise the folder names with underscores read as spaces.
     *
     * @param folders the class folder names, in class order
     * @return one name per folder
     */
    public static List<String> forFolders(List<String> folders) {
        boolean allWnids = !folders.isEmpty();
        for (String f : folders) {
            if (!WNID.matcher(f).matches() || !imagenet().byFolder.containsKey(f)) {
                allWnids = false;
                break;
            }
        }
        if (allWnids) {
            return imagenet().namesFor(folders);
        }
        List<String> out = new ArrayList<>(folders.size());
        for (String f : folders) {
            out.add(fromFolderName(f));
        }
        return out;
    }

    /**
     * Class names for a data set's folders and where they came from, as reported with results.
     *
     * @param names one name per class folder, in class order
     * @param source "folder names", the ImageNet source, or the explicit names' {@link #source()}
     */
    public record Resolved(List<String> names, String source) {

        /**
         * Freezes the names.
         *
         * @param names the names
         * @param source their source
         */
        public Resolved {
            names = List.copyOf(names);
        }
    }

    /**
     * Resolves the names an evaluator uses: the explicit names if given, else {@link
     * #forFolders(List)}.
     *
     * @param explicit explicit names, or {@code null} for the defaults
     * @param folders the class folder names, in class order
     * @return the names with their source
     */
    public static Resolved resolve(ClassNames explicit, List<String> folders) {
        if (explicit != null) {
            return new Resolved(explicit.namesFor(folders), explicit.source());
        }
        List<String> names = forFolders(folders);
        boolean plain = names.equals(folders.stream().map(ClassNames::fromFolderName).toList());
        return new Resolved(names, plain ? "folder names" : imagenet().source());
    }

    /**
     * Names for the given class folders: by key for map-based names (every folder must be
     * present), by position for list-based names (counts must match).
     *
     * @param folders the class folder names, in class order
     * @return one name per folder
     */
    public List<String> namesFor(List<String> folders) {
        if (ordered != null) {
            if (ordered.size() != folders.size()) {
                throw new SiglipException(source + " has " + ordered.size() + " class names but the"
                        + " data has " + folders.size() + " class folders; give one name per"
                        + " folder in sorted folder order, or a JSON object {\"folder\": \"name\"}");
            }
            return ordered;
        }
        List<String> out = new ArrayList<>(folders.size());
        for (String f : folders) {
            String n = byFolder.get(f);
            if (n == null) {
                throw new SiglipException(source + " has no class name for folder '" + f + "'");
            }
            out.add(n);
        }
        return out;
    }

    /**
     * The names in their own order (for a list, the list; for a map, its values).
     *
     * @return all names
     */
    public List<String> names() {
        return ordered != null ? ordered : List.copyOf(byFolder.values());
    }

    /**
     * The folder keys of map-based names.
     *
     * @return the keys in order, or an empty list for list-based names
     */
    public List<String> keys() {
        return byFolder == null ? List.of() : List.copyOf(byFolder.keySet());
    }

    /**
     * Where the names came from.
     *
     * @return a description
     */
    public String source() {
        return source;
    }
}
