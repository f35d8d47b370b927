package org.siglip4j.train.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.tokenizer.SiglipTokenizer;
import org.siglip4j.train.data.PairSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Accuracies on held-out data for the trainers' evaluation hook ({@code eval_accuracy} in the
 * metrics log). Unreadable validation records are left out.
 */
public final class ValidationAccuracy {
    private ValidationAccuracy() {}

    /**
     * In-batch retrieval accuracy: the validation pairs are cut into consecutive batches of
     * {@code batchSize}; an image counts as right when the caption scoring highest against it
     * within its batch is its own (first) caption or one of the same non-null group.
     *
     * @param model the model, run in inference mode
     * @param tokenizer its tokenizer
     * @param data the validation pairs (images preprocessed without augmentation)
     * @param batchSize pairs per batch (at least 2 for the number to mean anything)
     */
    public static double inBatchRetrieval(SiglipModel model, SiglipTokenizer tokenizer, PairSource data,
                                          int batchSize) {
        int hits = 0;
        int total = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            List<float[]> px = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            List<String> groups = new ArrayList<>();
            for (int i = start; i < Math.min(data.size(), start + batchSize); i++) {
                float[] p = load(data, i);
                if (p != null) {
                    px.add(p);
                    texts.add(data.captions(i).get(0));
                    groups.add(data.group(i));
                }
            }
            if (px.isEmpty()) {
                continue;
            }
            try (NDManager m = model.manager().newSubManager()) {
                NDArray img = model.imageEmbeds(pixels(px, model.config().visionConfig().imageSize(), m));
                NDArray txt = model.textEmbeds(tokenizer.encode(texts, m));
                long[] best = img.matMul(txt.transpose()).argMax(1).toLongArray();
                for (int i = 0; i < best.length; i++) {
                    int b = (int) best[i];
                    hits += b == i || (groups.get(i) != null && groups.get(i).equals(groups.get(b))) ? 1 : 0;
                }
            }
            total += px.size();
        }
        return total == 0 ? Double.NaN : hits / (double) total;
    }

    /**
     * Top-1 accuracy of a classifier; the label of a record is its group.
     *
     * @param model the classifier
     * @param data labelled images
     * @param labelId maps a group to a class index
     * @param batchSize images per forward pass
     */
    public static double classification(SiglipForImageClassification model, PairSource data,
                                        ToIntFunction<String> labelId, int batchSize) {
        int hits = 0;
        int total = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            List<float[]> px = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (int i = start; i < Math.min(data.size(), start + batchSize); i++) {
                float[] p = load(data, i);
                if (p != null) {
                    px.add(p);
                    labels.add(labelId.applyAsInt(data.group(i)));
                }
            }
            if (px.isEmpty()) {
                continue;
            }
            try (NDManager m = model.manager().newSubManager()) {
                long[] best = model.logits(pixels(px, model.config().visionConfig().imageSize(), m))
                        .argMax(1).toLongArray();
                for (int i = 0; i < best.length; i++) {
                    hits += best[i] == labels.get(i) ? 1 : 0;
                }
            }
            total += px.size();
        }
        return total == 0 ? Double.NaN : hits / (double) total;
    }

    private static float[] load(PairSource data, int i) {
        try {
            return data.pixels(i);
        } catch (Exception e) {
            return null;
        }
    }

    private static NDArray pixels(List<float[]> px, int size, NDManager m) {
        int per = 3 * size * size;
        float[] flat = new float[px.size() * per];
        for (int i = 0; i < px.size(); i++) {
            if (px.get(i).length != per) {
                throw new SiglipException("validation image " + i + " has " + px.get(i).length + " values, expected "
                        + per + " (3x" + size + "x" + size + ")");
            }
            System.arraycopy(px.get(i), 0, flat, i * per, per);
        }
        return m.create(flat, new Shape(px.size(), 3, size, size));
    }
}
