package org.siglip4j.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.siglip4j.core.SiglipException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collates labelled images for classification: stacks the images into {@code [n, 3, S, S]} and
 * turns each record's group (the class folder name for {@link ImageFolderPairs}) into a one-hot
 * row over the model's {@code id2label}, matching names ignoring case and treating underscores as
 * spaces.
 */
public final class LabelledImageCollator implements Collator<LabelledImageCollator.Tensors> {

    /**
     * One batch as the classifier takes it.
     *
     * @param pixels pixel values [n, 3, S, S]
     * @param oneHot targets [n, classes]
     */
    public record Tensors(NDArray pixels, NDArray oneHot) {}

    private final Map<Integer, String> id2label;
    private final Map<String, Integer> labelIds = new LinkedHashMap<>();
    private final int classes;
    private final int size;

    /**
     * @param id2label the model's classes (kept as given: its order names them in errors)
     * @param classes the number of outputs ({@code num_labels})
     * @param size the square image size
     */
    public LabelledImageCollator(Map<Integer, String> id2label, int classes, int size) {
        this.id2label = id2label;
        this.classes = classes;
        this.size = size;
        id2label.forEach((id, name) -> labelIds.put(normalize(name), id));
    }

    /**
     * A label name as labels are matched: case and '_' vs ' ' ignored, outer blanks stripped.
     *
     * @param s a class or label name
     * @return its matching key
     */
    public static String normalize(String s) {
        return s.replace('_', ' ').strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The class index of a label name.
     *
     * @param label the name (a group of the data)
     * @return its index
     * @throws SiglipException if the model has no such label
     */
    public int labelId(String label) {
        Integer id = label == null ? null : labelIds.get(normalize(label));
        if (id == null) {
            throw new SiglipException("class '" + label + "' is not a label of the model (its id2label has "
                    + id2label.values() + "); rename the class folder or give the model these classes");
        }
        return id;
    }

    /**
     * Checks every record's label before training starts.
     *
     * @param data the records (label = group)
     * @throws SiglipException on the first class the model does not have
     */
    public void checkLabels(PairSource data) {
        for (int i = 0; i < data.size(); i++) {
            labelId(data.group(i));
        }
    }

    @Override
    public Tensors collate(BatchLoader.Batch batch, NDManager manager) {
        int n = batch.size();
        float[] oneHot = new float[n * classes];
        List<String> groups = batch.groups();
        for (int i = 0; i < n; i++) {
            oneHot[i * classes + labelId(groups.get(i))] = 1;
        }
        NDArray pixels = manager.create(Collator.stack(batch.pixels()), new Shape(n, 3, size, size));
        return new Tensors(pixels, manager.create(oneHot, new Shape(n, classes)));
    }
}
