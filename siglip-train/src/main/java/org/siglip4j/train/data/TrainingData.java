package org.siglip4j.train.data;

import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads training or validation data by its form: a {@code .jsonl}/{@code .csv} manifest
 * ({@link ManifestReader}), a {@code .tar} WebDataset shard or a folder of shards or samples
 * ({@link WebDatasetReader}), or an image folder with one sub-folder per class
 * ({@link ImageFolderPairs}, captions made from prompt templates).
 */
public final class TrainingData {
    /** The templates an image folder's captions are made from when none are given. */
    public static final List<String> DEFAULT_TEMPLATES = List.of(ZeroShotImageClassifier.DEFAULT_TEMPLATE,
            "a photo of a {}.");

    private TrainingData() {}

    /**
     * Reads pairs by the form of {@code path}.
     *
     * @param path a manifest, a shard, or a folder
     * @param option the option that named it, for messages ({@code --train})
     * @param extractTo where WebDataset shards are unpacked
     * @param templates a file of caption templates for an image folder ({@link #templates(Path)}; null
     *     for the defaults), read only when {@code path} is one
     * @param classFolders require an image folder with class sub-folders (classification)
     * @return the pairs
     * @throws SiglipException if the form is not recognised or the data cannot be read
     */
    public static PairDataset read(Path path, String option, Path extractTo, Path templates,
                                   boolean classFolders) {
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".tar")) {
                return WebDatasetReader.read(path, extractTo);
            }
            if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson") || name.endsWith(".csv")) {
                return ManifestReader.read(path);
            }
            throw new SiglipException(option + " " + path
                    + ": expected a .jsonl or .csv manifest, a .tar shard or a folder");
        }
        if (isImageFolder(path)) {
            return ImageFolderPairs.read(path, templates(templates));
        }
        if (classFolders) {
            throw new SiglipException(option + " " + path + " has no class sub-folders; --classification needs an "
                    + "image folder with one sub-folder of images per class");
        }
        return WebDatasetReader.read(path, extractTo);
    }

    /**
     * Whether a folder is an image folder: class sub-folders and no loose samples or shards at the top.
     *
     * @param folder the folder
     * @return true for an image folder
     */
    public static boolean isImageFolder(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> entries = s.toList();
            boolean dirs = entries.stream().anyMatch(Files::isDirectory);
            boolean samples = entries.stream().anyMatch(e -> {
                String n = e.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".tar") || n.endsWith(".txt");
            });
            return dirs && !samples;
        } catch (IOException e) {
            throw new SiglipException("cannot read folder " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Caption templates from a file, one per line with {@code {}} for the class name ({@code #}
     * starts a comment line), or {@link #DEFAULT_TEMPLATES} for {@code null}.
     *
     * @param file the file, or null
     * @return the templates
     * @throws SiglipException if the file cannot be read or holds none
     */
    public static List<String> templates(Path file) {
        if (file == null) {
            return DEFAULT_TEMPLATES;
        }
        try {
            List<String> t = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
            if (t.isEmpty()) {
                throw new SiglipException("--templates " + file + " has no templates (one per line, with {})");
            }
            return t;
        } catch (IOException e) {
            throw new SiglipException("cannot read --templates " + file + ": " + e.getMessage(), e);
        }
    }
}
