package org.siglip4j.eval;

import java.util.Arrays;
import org.siglip4j.core.SiglipException;

/**
 * Image-to-text and text-to-image retrieval metrics for a set of images, each with one or more
 * captions (COCO/Flickr style).
 *
 * <p><b>Image to text:</b> the texts are ranked by similarity to the image; the image's rank is the
 * rank of its best-ranked own caption, so Recall@k counts a hit if <em>any</em> of its captions is
 * in the top k. <b>Text to image:</b> the images are ranked by similarity to the caption; the rank is
 * that of the caption's one image.
 *
 * <p>Ranks are 1-based and count only the non-matching candidates that score <em>strictly</em> higher
 * than the best match: {@code 1 + #(non-matching candidates scoring above the best match)}. So Recall@k
 * is a hit when any correct item is in the top k, as CLIP_benchmark's {@code zeroshot_retrieval}
 * counts it, and an exact score tie is never a miss: duplicate captions (the same text for two
 * images) embed identically, and counting their tie against the query would turn every such image
 * into a miss at k = 1. Other captions of the same image are not competitors. The median rank of an even number of queries is the mean of the
 * two middle ranks (as numpy's median). Recall@k for k above the candidate count is naturally 1.
 *
 * @param imageToText image queries against all texts
 * @param textToImage text queries against all images
 */
public record RetrievalMetrics(Direction imageToText, Direction textToImage) {

    /**
     * Metrics for one query direction.
     *
     * @param queries the number of queries
     * @param recallAt1 fraction of queries with rank 1
     * @param recallAt5 fraction with rank at most 5
     * @param recallAt10 fraction with rank at most 10
     * @param meanRank mean 1-based rank
     * @param medianRank median 1-based rank
     */
    public record Direction(int queries, double recallAt1, double recallAt5, double recallAt10,
            double meanRank, double medianRank) {

        /**
         * Summarises ranks.
         *
         * @param ranks 1-based ranks, one per query
         * @return the metrics
         */
        public static Direction of(int[] ranks) {
            int n = ranks.length;
            int r1 = 0;
            int r5 = 0;
            int r10 = 0;
            double sum = 0;
            for (int r : ranks) {
                r1 += r <= 1 ? 1 : 0;
                r5 += r <= 5 ? 1 : 0;
                r10 += r <= 10 ? 1 : 0;
                sum += r;
            }
            int[] sorted = ranks.clone();
            Arrays.sort(sorted);
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
            return new Direction(n, (double) r1 / n, (double) r5 / n, (double) r10 / n, sum / n,
                    median);
        }
    }

    /**
     * Ranks of each image's best caption among all texts.
     *
     * @param scores images x texts similarities
     * @param textToImage image index of each text
     * @return one 1-based rank per image
     */
    public static int[] imageToTextRanks(float[][] scores, int[] textToImage) {
        validate(scores, textToImage);
        int[] ranks = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            float best = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < textToImage.length; t++) {
                if (textToImage[t] == i) {
                    best = Math.max(best, scores[i][t]);
                }
            }
            int rank = 1;
            for (int t = 0; t < textToImage.length; t++) {
                if (textToImage[t] != i && scores[i][t] > best) {
                    rank++;
                }
            }
            ranks[i] = rank;
        }
        return ranks;
    }

    /**
     * Ranks of each text's image among all images.
     *
     * @param scores images x texts similarities
     * @param textToImage image index of each text
     * @return one 1-based rank per text
     */
    public static int[] textToImageRanks(float[][] scores, int[] textToImage) {
        validate(scores, textToImage);
        int[] ranks = new int[textToImage.length];
        for (int t = 0; t < textToImage.length; t++) {
            float s = scores[textToImage[t]][t];
            int rank = 1;
            for (int i = 0; i < scores.length; i++) {
                if (i != textToImage[t] && scores[i][t] > s) {
                    rank++;
                }
            }
            ranks[t] = rank;
        }
        return ranks;
    }

    /**
     * Computes both directions.
     *
     * @param scores images x texts similarities, finite
     * @param textToImage image index of each text; every image needs at least one text
     * @return the metrics
     */
    public static RetrievalMetrics compute(float[][] scores, int[] textToImage) {
        return new RetrievalMetrics(Direction.of(imageToTextRanks(scores, textToImage)),
                Direction.of(textToImageRanks(scores, textToImage)));
    }

    private static void validate(float[][] scores, int[] textToImage) {
        if (scores.length == 0 || textToImage.length == 0) {
            throw new SiglipException("retrieval needs at least one image and one text, got "
                    + scores.length + " images and " + textToImage.length + " texts");
        }
        boolean[] hasText = new boolean[scores.length];
        for (int t = 0; t < textToImage.length; t++) {
            if (textToImage[t] < 0 || textToImage[t] >= scores.length) {
                throw new SiglipException("text " + t + " points to image " + textToImage[t]
                        + ", outside 0.." + (scores.length - 1));
            }
            hasText[textToImage[t]] = true;
        }
        for (int i = 0; i < scores.length; i++) {
            if (!hasText[i]) {
                throw new SiglipException("image " + i + " has no caption");
            }
            if (scores[i].length != textToImage.length) {
                throw new SiglipException("score row " + i + " has " + scores[i].length
                        + " texts, expected " + textToImage.length);
            }
            for (float v : scores[i]) {
                if (!Float.isFinite(v)) {
                    throw new SiglipException("score row " + i + " has a non-finite value " + v);
                }
            }
        }
    }
}
