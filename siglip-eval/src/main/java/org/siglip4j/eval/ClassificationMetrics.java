package org.siglip4j.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;

/**
 * Top-1/top-5 accuracy, mean per-class accuracy, a per-class table and the most-confused pairs for
 * a score matrix (images x classes).
 *
 * <p><b>Ranking and ties.</b> For an image with true class {@code t}, classes are ordered by
 * descending score; among equal scores the true class comes <em>last</em> and the other classes by
 * ascending index. So the rank of the true class is {@code 1 + #(classes with a higher score) +
 * #(other classes with an equal score)}: a tie is never credited (conservative), and the result
 * does not depend on how classes happen to be numbered. The predicted class is the first class in
 * that order, which on a miss is the lowest-index class among the highest-scoring competitors.
 *
 * <p><b>Top-k with k above the number of classes</b> is capped at the number of classes ({@link
 * #top5K()} reports the k used), so with 3 classes "top-5" is top-3 and always 1.0.
 *
 * <p><b>Mean per-class accuracy</b> averages top-1 accuracy over the classes that have at least one
 * image; classes without images have a {@code null} accuracy and {@code excludedFromMean = true}.
 *
 * @param numImages images scored
 * @param numClasses candidate classes
 * @param top1 fraction of images whose true class ranks first
 * @param top5 fraction of images whose true class ranks within the first {@link #top5K()}
 * @param top5K the k used for {@code top5}: {@code min(5, numClasses)}
 * @param meanPerClassAccuracy mean of per-class top-1 accuracy over classes with images
 * @param classesWithoutImages classes that had no image (excluded from the mean)
 * @param perClass one row per class, in class order
 * @param mostConfused the most frequent (true, predicted) pairs with true != predicted, by count
 *     descending, then true index, then predicted index
 */
public record ClassificationMetrics(
        int numImages,
        int numClasses,
        double top1,
        double top5,
        int top5K,
        double meanPerClassAccuracy,
        int classesWithoutImages,
        List<PerClass> perClass,
        List<ConfusedPair> mostConfused) {

    /**
     * One class's row.
     *
     * @param index class index
     * @param name class name
     * @param images images of this class
     * @param top1Correct images of this class ranked first
     * @param top5Correct images of this class ranked within the first {@code top5K}
     * @param accuracy {@code top1Correct / images}, or {@code null} if the class has no image
     * @param excludedFromMean true if the class has no image
     */
    public record PerClass(int index, String name, int images, int top1Correct, int top5Correct,
            Double accuracy, boolean excludedFromMean) {}

    /**
     * A confusion: images of {@code trueIndex} predicted as {@code predictedIndex}.
     *
     * @param trueIndex the true class
     * @param trueName its name
     * @param predictedIndex the predicted class
     * @param predictedName its name
     * @param count how many images
     */
    public record ConfusedPair(int trueIndex, String trueName, int predictedIndex,
            String predictedName, int count) {}

    /**
     * Freezes the lists.
     *
     * @param numImages images
     * @param numClasses classes
     * @param top1 top-1 accuracy
     * @param top5 top-5 accuracy
     * @param top5K k used for top-5
     * @param meanPerClassAccuracy mean per-class accuracy
     * @param classesWithoutImages classes without images
     * @param perClass per-class rows
     * @param mostConfused confused pairs
     */
    public ClassificationMetrics {
        perClass = List.copyOf(perClass);
        mostConfused = List.copyOf(mostConfused);
    }

    /**
     * The 1-based rank of the true class under the conservative tie rule (see class doc).
     *
     * @param scores one score per class, finite
     * @param label the true class
     * @return the rank, 1 to {@code scores.length}
     */
    public static int rankOfTrueClass(float[] scores, int label) {
        float s = scores[label];
        int rank = 1;
        for (int j = 0; j < scores.length; j++) {
            if (j != label && scores[j] >= s) {
                rank++;
            }
        }
        return rank;
    }

    /**
     * The predicted class under the tie rule: the true class if it ranks first, otherwise the
     * lowest-index class among the highest-scoring classes other than the true one.
     *
     * @param scores one score per class
     * @param label the true class
     * @return the predicted class index
     */
    public static int predictedClass(float[] scores, int label) {
        if (rankOfTrueClass(scores, label) == 1) {
            return label;
        }
        int best = -1;
        for (int j = 0; j < scores.length; j++) {
            if (j != label && (best < 0 || scores[j] > scores[best])) {
                best = j;
            }
        }
        return best;
    }

    /**
     * Fraction of images whose true class ranks within the first {@code min(k, classes)}.
     *
     * @param scores images x classes
     * @param labels true class per image
     * @param k the k, positive
     * @return top-k accuracy
     */
    public static double topKAccuracy(float[][] scores, int[] labels, int k) {
        int classes = validate(scores, labels);
        if (k <= 0) {
            throw new SiglipException("top-k needs k >= 1, got " + k);
        }
        int kk = Math.min(k, classes);
        int hits = 0;
        for (int i = 0; i < scores.length; i++) {
            if (rankOfTrueClass(scores[i], labels[i]) <= kk) {
                hits++;
            }
        }
        return (double) hits / scores.length;
    }

    /**
     * Computes all metrics.
     *
     * @param scores images x classes, finite
     * @param labels true class per image
     * @param classNames one name per class
     * @param maxConfusedPairs how many confused pairs to keep (0 for none)
     * @return the metrics
     */
    public static ClassificationMetrics compute(float[][] scores, int[] labels,
            List<String> classNames, int maxConfusedPairs) {
        int classes = validate(scores, labels);
        if (classNames.size() != classes) {
            throw new SiglipException("scores have " + classes + " classes but " + classNames.size()
                    + " class names were given");
        }
        int[] ranks = new int[scores.length];
        int[] predicted = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            ranks[i] = rankOfTrueClass(scores[i], labels[i]);
            predicted[i] = ranks[i] == 1 ? labels[i] : predictedClass(scores[i], labels[i]);
        }
        return fromRanks(labels, ranks, predicted, classNames, maxConfusedPairs);
    }

    /**
     * Computes all metrics from what {@link #compute} derives per image: the rank of the true
     * class ({@link #rankOfTrueClass}) and the predicted class ({@link #predictedClass}). Lets a
     * distributed run score images where they are embedded and ship three ints per image instead
     * of a score row; the result equals {@link #compute} on the score rows.
     *
     * @param labels true class per image
     * @param ranks 1-based rank of the true class per image
     * @param predicted predicted class per image (the true class exactly when its rank is 1)
     * @param classNames one name per class
     * @param maxConfusedPairs how many confused pairs to keep (0 for none)
     * @return the metrics
     */
    public static ClassificationMetrics fromRanks(int[] labels, int[] ranks, int[] predicted,
            List<String> classNames, int maxConfusedPairs) {
        int classes = classNames.size();
        if (labels.length == 0) {
            throw new SiglipException("no images to score");
        }
        if (classes == 0) {
            throw new SiglipException("no classes to score against");
        }
        if (ranks.length != labels.length || predicted.length != labels.length) {
            throw new SiglipException(labels.length + " labels but " + ranks.length + " ranks and "
                    + predicted.length + " predictions");
        }
        int k5 = Math.min(5, classes);
        int[] count = new int[classes];
        int[] c1 = new int[classes];
        int[] c5 = new int[classes];
        Map<Long, Integer> confusions = new HashMap<>();
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < labels.length; i++) {
            int t = labels[i];
            int rank = ranks[i];
            int p = predicted[i];
            if (t < 0 || t >= classes || p < 0 || p >= classes || rank < 1 || rank > classes
                    || (rank == 1) != (p == t)) {
                throw new SiglipException("image " + i + ": label " + t + ", rank " + rank
                        + ", predicted " + p + " is inconsistent with " + classes + " classes"
                        + " (expected 0 <= label, predicted < classes, 1 <= rank <= classes and"
                        + " predicted == label exactly when rank == 1)");
            }
            count[t]++;
            if (rank == 1) {
                c1[t]++;
                top1++;
            } else {
                confusions.merge(((long) t << 32) | p, 1, Integer::sum);
            }
            if (rank <= k5) {
                c5[t]++;
                top5++;
            }
        }
        List<PerClass> rows = new ArrayList<>(classes);
        double sum = 0;
        int withImages = 0;
        for (int c = 0; c < classes; c++) {
            Double acc = count[c] == 0 ? null : (double) c1[c] / count[c];
            if (acc != null) {
                sum += acc;
                withImages++;
            }
            rows.add(new PerClass(c, classNames.get(c), count[c], c1[c], c5[c], acc, acc == null));
        }
        List<ConfusedPair> pairs = new ArrayList<>();
        for (Map.Entry<Long, Integer> e : confusions.entrySet()) {
            int t = (int) (e.getKey() >>> 32);
            int p = (int) (e.getKey() & 0xffffffffL);
            pairs.add(new ConfusedPair(t, classNames.get(t), p, classNames.get(p), e.getValue()));
        }
        pairs.sort(Comparator.comparingInt(ConfusedPair::count).reversed()
                .thenComparingInt(ConfusedPair::trueIndex)
                .thenComparingInt(ConfusedPair::predictedIndex));
        if (pairs.size() > maxConfusedPairs) {
            pairs = pairs.subList(0, Math.max(0, maxConfusedPairs));
        }
        int n = labels.length;
        return new ClassificationMetrics(n, classes, (double) top1 / n, (double) top5 / n, k5,
                sum / withImages, classes - withImages, rows, pairs);
    }

    private static int validate(float[][] scores, int[] labels) {
        if (scores.length == 0) {
            throw new SiglipException("no images to score");
        }
        if (labels.length != scores.length) {
            throw new SiglipException(scores.length + " score rows but " + labels.length
                    + " labels");
        }
        int classes = scores[0].length;
        if (classes == 0) {
            throw new SiglipException("no classes to score against");
        }
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].length != classes) {
                throw new SiglipException("score row " + i + " has " + scores[i].length
                        + " classes, expected " + classes);
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new SiglipException("label " + labels[i] + " of image " + i
                        + " is outside 0.." + (classes - 1));
            }
            for (float v : scores[i]) {
                if (!Float.isFinite(v)) {
                    throw new SiglipException("score row " + i + " has a non-finite value " + v);
                }
            }
        }
        return classes;
    }
}
