package org.siglip4j.examples.demo;

import org.siglip4j.core.SiglipException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real data of the demo run: Fashion-MNIST and MNIST (official train/test splits) as one
 * labelled set of 20 classes, each class described in words so the model learns from text.
 *
 * <p>Training captions come from {@link #TRAIN_TEMPLATES}; {@link #HELD_OUT_TEMPLATES} are never
 * seen in training and measure how well the text tower generalises to new phrasings.
 */
public final class DemoData {

    /** Fashion-MNIST class names, in label order, as a person would say them. */
    public static final List<String> FASHION_CLASSES = List.of(
            "t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot");

    /** MNIST class names, in label order. */
    public static final List<String> DIGIT_CLASSES = List.of(
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");

    /** Training templates for clothing ({@code {}} is the class name). */
    public static final List<String> FASHION_TRAIN_TEMPLATES = List.of(
            "a photo of a {}.", "a picture of a {}", "a {}", "an image of a {}.", "a grayscale photo of a {}.",
            "a small photo of the {}.", "a product photo of a {}", "a {} on a black background.");

    /** Training templates for digits. */
    public static final List<String> DIGIT_TRAIN_TEMPLATES = List.of(
            "a handwritten digit {}.", "the number {} written by hand", "a photo of the digit {}.",
            "handwriting of the number {}", "digit {}", "a scanned handwritten {}.", "the digit {} in white ink",
            "a drawing of the number {}.");

    /** Templates held out from training, used only for evaluation (clothing). */
    public static final List<String> FASHION_HELD_OUT_TEMPLATES = List.of(
            "a blurry photo of a {}.", "a low resolution picture of the {}.", "there is a {} in this image");

    /** Templates held out from training, used only for evaluation (digits). */
    public static final List<String> DIGIT_HELD_OUT_TEMPLATES = List.of(
            "a blurry photo of the number {}.", "someone wrote the digit {}", "an image showing a handwritten {}");

    /** All training templates, clothing then digits (for documentation). */
    public static final List<List<String>> TRAIN_TEMPLATES = List.of(FASHION_TRAIN_TEMPLATES, DIGIT_TRAIN_TEMPLATES);

    /** All held-out templates, clothing then digits (for documentation). */
    public static final List<List<String>> HELD_OUT_TEMPLATES = List.of(FASHION_HELD_OUT_TEMPLATES, DIGIT_HELD_OUT_TEMPLATES);

    /**
     * One split of one data set.
     *
     * @param name "fashion-mnist" or "mnist"
     * @param images the greyscale images
     * @param labels class index per image
     * @param classes class names
     * @param trainTemplates templates used in training
     * @param heldOutTemplates templates used only for evaluation
     */
    public record Split(String name, IdxReader.Images images, int[] labels, List<String> classes,
                        List<String> trainTemplates, List<String> heldOutTemplates) {
        /** Validates that images and labels agree. */
        public Split {
            if (images.count() != labels.length) {
                throw new SiglipException(name + ": " + images.count() + " images but " + labels.length + " labels");
            }
        }

        /** The number of examples. */
        public int size() {
            return labels.length;
        }
    }

    private DemoData() {}

    /**
     * Reads Fashion-MNIST from a folder of {@code *-idx*-ubyte[.gz]} files.
     *
     * @param dir e.g. {@code /usr/share/datasets/fashion-mnist}
     * @param train the training split, else the test split
     */
    public static Split fashionMnist(Path dir, boolean train) {
        return read("fashion-mnist", dir, train, FASHION_CLASSES, FASHION_TRAIN_TEMPLATES, FASHION_HELD_OUT_TEMPLATES);
    }

    /** Reads MNIST from a folder of {@code *-idx*-ubyte[.gz]} files (the npm package's {@code data/}). */
    public static Split mnist(Path dir, boolean train) {
        return read("mnist", dir, train, DIGIT_CLASSES, DIGIT_TRAIN_TEMPLATES, DIGIT_HELD_OUT_TEMPLATES);
    }

    private static Split read(String name, Path dir, boolean train, List<String> classes,
                              List<String> trainT, List<String> heldOut) {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        return new Split(name, IdxReader.readImages(images), IdxReader.readLabels(labels), classes, trainT, heldOut);
    }

    private static Path find(Path dir, String base) {
        for (String ext : new String[] {"", ".gz"}) {
            Path p = dir.resolve(base + ext);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new SiglipException("cannot find " + base + "[.gz] in " + dir
                + " (run scripts/fetch-demo-data.sh to fetch the demo data)");
    }
}
