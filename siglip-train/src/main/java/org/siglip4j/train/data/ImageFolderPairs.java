package org.siglip4j.train.data;

import org.siglip4j.core.SiglipException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns a labelled image folder ({@code root/CLASS/image.jpg}, DJL's {@code ImageFolder} layout)
 * into image-text pairs: each image gets one caption per prompt template, the template's
 * {@code {}} replaced by the class name (folder name with underscores as spaces), so the model
 * learns from text, not from class indices. Images of one class form one positive group: in a
 * batch, every caption of the class counts as a match, not as a negative.
 */
public final class ImageFolderPairs {
    private static final Set<String> IMAGE_EXT = Set.of("jpg", "jpeg", "png", "bmp", "gif", "webp");

    private ImageFolderPairs() {}

    /**
     * Reads the folder.
     *
     * @param root the folder holding one sub-folder per class
     * @param templates prompt templates, each containing {@code {}}
     */
    public static PairDataset read(Path root, List<String> templates) {
        if (templates.isEmpty() || templates.stream().anyMatch(t -> !t.contains("{}"))) {
            throw new SiglipException("every prompt template must contain {}, got " + templates);
        }
        if (!Files.isDirectory(root)) {
            throw new SiglipException("image folder not found: " + root);
        }
        List<ImageTextPair> pairs = new ArrayList<>();
        try (Stream<Path> classes = Files.list(root)) {
            for (Path cls : classes.filter(Files::isDirectory).sorted().toList()) {
                String name = cls.getFileName().toString().replace('_', ' ');
                List<String> captions = templates.stream().map(t -> t.replace("{}", name)).toList();
                try (Stream<Path> files = Files.list(cls)) {
                    files.filter(ImageFolderPairs::isImage).sorted()
                            .forEach(f -> pairs.add(new ImageTextPair(f, captions, name)));
                }
            }
        } catch (IOException e) {
            throw new SiglipException("cannot read image folder " + root + ": " + e.getMessage(), e);
        }
        if (pairs.isEmpty()) {
            throw new SiglipException("no images found under " + root + " (expected class sub-folders with images)");
        }
        return new PairDataset(pairs, List.of());
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXT.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
