package org.siglip4j.examples.demo;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.SiglipPipeline;
import org.siglip4j.eval.Embeddings;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The sample images shipped next to the default model: the first {@code perClass} test images
 * of every class of both test splits (never used in training), as greyscale PNGs named
 * {@code DATASET-CLASS-K.png}, with {@code samples.json} listing each file's dataset and label and
 * the zero-shot accuracy the model had on them when it was trained.
 */
public final class DemoSamples {
    /** The sample index file. */
    public static final String INDEX = "samples.json";

    /**
     * One sample.
     *
     * @param file file name inside the samples folder
     * @param dataset "fashion-mnist" or "mnist"
     * @param label class index in that dataset's class list
     */
    public record Sample(String file, String dataset, int label) {}

    private DemoSamples() {}

    /** Writes the PNGs of the first {@code perClass} test images per class of each split; returns them. */
    public static List<Sample> write(List<DemoData.Split> tests, int perClass, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Sample> out = new ArrayList<>();
        for (DemoData.Split s : tests) {
            int[] taken = new int[s.classes().size()];
            for (int i = 0; i < s.size(); i++) {
                int label = s.labels()[i];
                if (taken[label] >= perClass) {
                    continue;
                }
                String name = s.name() + "-" + s.classes().get(label).replace(' ', '_') + "-" + taken[label] + ".png";
                BufferedImage img = new BufferedImage(s.images().cols(), s.images().rows(), BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setDataElements(0, 0, s.images().cols(), s.images().rows(), s.images().image(i));
                ImageIO.write(img, "png", dir.resolve(name).toFile());
                out.add(new Sample(name, s.name(), label));
                taken[label]++;
            }
        }
        return out;
    }

    /** Classes and training templates of a dataset name. */
    static List<String> classes(String dataset) {
        return dataset.equals("mnist") ? DemoData.DIGIT_CLASSES : DemoData.FASHION_CLASSES;
    }

    static List<String> templates(String dataset) {
        return dataset.equals("mnist") ? DemoData.DIGIT_TRAIN_TEMPLATES : DemoData.FASHION_TRAIN_TEMPLATES;
    }

    /**
     * How many samples the model classifies right, zero-shot among the 10 classes of each
     * sample's dataset, class embeddings averaged over the training templates, through the same
     * pipeline {@code siglip classify} uses (PNG decoding, preprocessing, towers).
     */
    public static int correct(SiglipPipeline pipeline, Path dir, List<Sample> samples) {
        int hits = 0;
        for (String dataset : List.of("fashion-mnist", "mnist")) {
            List<String> classes = classes(dataset);
            float[][] classEmb = new float[classes.size()][];
            for (int c = 0; c < classes.size(); c++) {
                String name = classes.get(c);
                classEmb[c] = Embeddings.normalisedMean(pipeline.embedTexts(
                        templates(dataset).stream().map(t -> t.replace("{}", name)).toList()), name);
            }
            List<Sample> mine = samples.stream().filter(s -> s.dataset().equals(dataset)).toList();
            if (mine.isEmpty()) {
                continue;
            }
            float[][] img = pipeline.embedImages(mine.stream().map(s -> (Object) dir.resolve(s.file())).toList());
            float[][] sim = Embeddings.similarity(img, classEmb);
            for (int i = 0; i < mine.size(); i++) {
                int best = 0;
                for (int c = 1; c < classes.size(); c++) {
                    if (sim[i][c] > sim[i][best]) {
                        best = c;
                    }
                }
                hits += best == mine.get(i).label() ? 1 : 0;
            }
        }
        return hits;
    }

    /** Writes {@code samples.json}: the samples and the number the model got right. */
    public static void writeIndex(Path dir, List<Sample> samples, int correct) throws IOException {
        Gson gson = new GsonBuilder().setPrettyPrinting().create();
        JsonObject o = new JsonObject();
        o.addProperty("correct_at_training_time", correct);
        o.addProperty("total", samples.size());
        o.add("samples", gson.toJsonTree(samples));
        Files.writeString(dir.resolve(INDEX), gson.toJson(o), StandardCharsets.UTF_8);
    }

    /**
     * Reads {@code samples.json}.
     *
     * @return the samples; {@code recorded[0]} receives the recorded number of correct samples
     */
    public static List<Sample> readIndex(Path dir, int[] recorded) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(dir.resolve(INDEX))).getAsJsonObject();
            recorded[0] = o.get("correct_at_training_time").getAsInt();
            Sample[] s = new Gson().fromJson(o.get("samples"), Sample[].class);
            return List.of(s);
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot read " + dir.resolve(INDEX) + ": " + e.getMessage(), e);
        }
    }
}
