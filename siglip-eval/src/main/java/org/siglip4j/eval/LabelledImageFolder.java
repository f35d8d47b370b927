package org.siglip4j.eval;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;

/**
 * A labelled image folder: {@code root/<class>/<...>/<image>.<ext>}, as ImageNet's validation
 * folder ({@code n01440764/ILSVRC2012_val_00000293.JPEG}) or any torchvision {@code ImageFolder}.
 *
 * <p>Every sub-folder of the root is a class, even one without images (it stays a candidate class
 * for zero-shot classification and is reported as having no images). Order is deterministic and
 * independent of the file system and locale: classes by folder name, images within a class by
 * relative path, both compared as Java strings. Only files with an image extension ({@link
 * #IMAGE_EXTENSIONS}, case-insensitive) are read; hidden files and folders are skipped.
 *
 * @param root the root folder
 * @param classFolders the class folder names, sorted; a sample's label indexes this list
 * @param samples the images with their labels, sorted by (label, relative path)
 */
public record LabelledImageFolder(Path root, List<String> classFolders, List<Sample> samples) {

    /** File extensions read as images. */
    public static final Set<String> IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp", "tif", "tiff");

    /**
     * One labelled image.
     *
     * @param image the image file
     * @param label the index of its class folder
     */
    public record Sample(Path image, int label) {}

    /** How {@link #limit(int, LimitMode)} picks images. */
    public enum LimitMode {
        /** The first N images in the deterministic order (may leave late classes empty). */
        FIRST,
        /**
         * Round robin over classes: the first image of every class, then the second of every
         * class, and so on until N; per-class counts differ by at most one where classes allow.
         */
        STRATIFIED
    }

    /**
     * Freezes the lists.
     *
     * @param root the root folder
     * @param classFolders the class folder names
     * @param samples the samples
     */
    public LabelledImageFolder {
        classFolders = List.copyOf(classFolders);
        samples = List.copyOf(samples);
    }

    /**
     * Reads a labelled folder.
     *
     * @param root the root folder
     * @return the folder's classes and images
     */
    public static LabelledImageFolder read(Path root) {
        if (!Files.isDirectory(root)) {
            throw new SiglipException("image folder " + root + " does not exist or is not a folder");
        }
        List<String> classes = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .forEach(classes::add);
        } catch (IOException e) {
            throw new SiglipException("cannot list " + root + ": " + e.getMessage(), e);
        }
        List<Sample> samples = new ArrayList<>();
        for (int label = 0; label < classes.size(); label++) {
            Path dir = root.resolve(classes.get(label));
            List<Path> images = new ArrayList<>();
            try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
                s.filter(p -> isImage(dir.relativize(p)) && Files.isRegularFile(p))
                        .forEach(images::add);
            } catch (IOException e) {
                throw new SiglipException("cannot list " + dir + ": " + e.getMessage(), e);
            }
            images.sort(Comparator.comparing(p -> dir.relativize(p).toString()));
            for (Path p : images) {
                samples.add(new Sample(p, label));
            }
        }
        if (samples.isEmpty()) {
            throw new SiglipException("no images found under " + root
                    + " (expected class sub-folders with images)");
        }
        return new LabelledImageFolder(root, classes, samples);
    }

    private static boolean isImage(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return false;
            }
        }
        String name = rel.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Keeps at most {@code n} images; all classes stay.
     *
     * @param n the most images to keep, positive
     * @param mode how to choose them
     * @return a folder view with at most {@code n} samples, still in deterministic order
     */
    public LabelledImageFolder limit(int n, LimitMode mode) {
        if (n <= 0) {
            throw new SiglipException("--limit must be positive, got " + n);
        }
        if (n >= samples.size()) {
            return this;
        }
        if (mode == LimitMode.FIRST) {
            return new LabelledImageFolder(root, classFolders, samples.subList(0, n));
        }
        // Round robin = order samples by (position within their class, class) and keep the first n.
        int[] rankInClass = new int[samples.size()];
        int[] seen = new int[classFolders.size()];
        for (int i = 0; i < samples.size(); i++) {
            rankInClass[i] = seen[samples.get(i).label()]++;
        }
        Integer[] order = new Integer[samples.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.<Integer>comparingInt(i -> rankInClass[i])
                .thenComparingInt(i -> samples.get(i).label()));
        boolean[] keep = new boolean[samples.size()];
        for (int k = 0; k < n; k++) {
            keep[order[k]] = true;
        }
        List<Sample> out = new ArrayList<>(n);
        for (int i = 0; i < samples.size(); i++) {
            if (keep[i]) {
                out.add(samples.get(i));
            }
        }
        return new LabelledImageFolder(root, classFolders, out);
    }

    /**
     * The image paths in sample order.
     *
     * @return the images
     */
    public List<Path> images() {
        List<Path> out = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            out.add(s.image());
        }
        return out;
    }

    /**
     * The labels in sample order.
     *
     * @return the labels
     */
    public int[] labels() {
        int[] out = new int[samples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = samples.get(i).label();
        }
        return out;
    }
}
