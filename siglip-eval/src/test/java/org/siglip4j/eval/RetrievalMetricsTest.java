package org.siglip4j.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;

class RetrievalMetricsTest {

    // image 0 has captions t0, t1; image 1 has t2; image 2 has t3, t4
    private static final int[] TEXT_TO_IMAGE = {0, 0, 1, 2, 2};
    private static final float[][] S = {
        {0.1f, 0.8f, 0.9f, 0.2f, 0.0f},
        {0.3f, 0.3f, 0.3f, 0.1f, 0.4f},
        {0.0f, 0.1f, 0.2f, 0.5f, 0.7f},
    };

    @Test
    void imageToTextUsesTheBestOwnCaptionAndTiesAreHits() {
        // img0: best own 0.8, t2 (0.9) ahead -> 2; img1: own 0.3 tied with t0, t1 (not ahead),
        // t4 (0.4) ahead -> 2; img2: own 0.7 best -> 1
        assertArrayEquals(new int[] {2, 2, 1},
                RetrievalMetrics.imageToTextRanks(S, TEXT_TO_IMAGE));
        RetrievalMetrics m = RetrievalMetrics.compute(S, TEXT_TO_IMAGE);
        RetrievalMetrics.Direction d = m.imageToText();
        assertEquals(3, d.queries());
        assertEquals(1.0 / 3, d.recallAt1(), 1e-12);
        assertEquals(1.0, d.recallAt5(), 1e-12);
        assertEquals(1.0, d.recallAt10(), 1e-12);
        assertEquals(5.0 / 3, d.meanRank(), 1e-12);
        assertEquals(2.0, d.medianRank(), 1e-12);
    }

    @Test
    void textToImageUsesTheCaptionsOneImage() {
        // t0 column {0.1, 0.3, 0.0}: img1 ahead -> 2; t1 -> 1; t2 {0.9, 0.3, 0.2}: img0 ahead -> 2;
        // t3 -> 1; t4 -> 1
        assertArrayEquals(new int[] {2, 1, 2, 1, 1},
                RetrievalMetrics.textToImageRanks(S, TEXT_TO_IMAGE));
        RetrievalMetrics.Direction d = RetrievalMetrics.compute(S, TEXT_TO_IMAGE).textToImage();
        assertEquals(5, d.queries());
        assertEquals(0.6, d.recallAt1(), 1e-12);
        assertEquals(1.0, d.recallAt5(), 1e-12);
        assertEquals(1.4, d.meanRank(), 1e-12);
        assertEquals(1.0, d.medianRank(), 1e-12);
    }

    @Test
    void summaryOfRanks() {
        RetrievalMetrics.Direction even = RetrievalMetrics.Direction.of(new int[] {1, 4, 2, 3});
        assertEquals(2.5, even.medianRank(), 1e-12);
        assertEquals(2.5, even.meanRank(), 1e-12);
        assertEquals(0.25, even.recallAt1(), 1e-12);
        RetrievalMetrics.Direction far = RetrievalMetrics.Direction.of(new int[] {6, 11, 10});
        assertEquals(0.0, far.recallAt5(), 1e-12);
        assertEquals(2.0 / 3, far.recallAt10(), 1e-12);
        assertEquals(10.0, far.medianRank(), 1e-12);
    }

    @Test
    void allTiedIsRankOne() {
        float[][] s = {{0.5f, 0.5f}, {0.5f, 0.5f}};
        int[] t2i = {0, 1};
        assertArrayEquals(new int[] {1, 1}, RetrievalMetrics.imageToTextRanks(s, t2i));
        assertArrayEquals(new int[] {1, 1}, RetrievalMetrics.textToImageRanks(s, t2i));
    }

    @Test
    void duplicateCaptionsAreHits() {
        // Four images captioned "dog", "dog", "cat", "cat": the two "dog" texts embed identically, so
        // their columns are equal; each image is closest to its own class's caption. CLIP_benchmark
        // counts a hit when a correct caption is in the top k, so every image is a hit at k = 1.
        float[] dogImage = {0.9f, 0.1f};
        float[] dogImage2 = {0.8f, 0.3f};
        float[] catImage = {0.2f, 0.95f};
        float[] catImage2 = {0.1f, 0.7f};
        float[] dogText = {1, 0};
        float[] catText = {0, 1};
        float[][] images = {dogImage, dogImage2, catImage, catImage2};
        float[][] texts = {dogText, dogText, catText, catText};
        float[][] s = new float[4][4];
        for (int i = 0; i < 4; i++) {
            for (int t = 0; t < 4; t++) {
                s[i][t] = images[i][0] * texts[t][0] + images[i][1] * texts[t][1];
            }
        }
        int[] t2i = {0, 1, 2, 3};
        assertArrayEquals(new int[] {1, 1, 1, 1}, RetrievalMetrics.imageToTextRanks(s, t2i));
        assertEquals(1.0, RetrievalMetrics.compute(s, t2i).imageToText().recallAt1(), 1e-12);
        // text -> image has no tie here: each "dog" text still prefers the doggier image
        assertArrayEquals(new int[] {1, 2, 1, 2}, RetrievalMetrics.textToImageRanks(s, t2i));
    }

    @Test
    void rejectsImagesWithoutCaptionsAndBadShapes() {
        assertThrows(SiglipException.class,
                () -> RetrievalMetrics.compute(new float[][] {{1}, {0}}, new int[] {0}));
        assertThrows(SiglipException.class,
                () -> RetrievalMetrics.compute(new float[][] {{1, 0}}, new int[] {0}));
        assertThrows(SiglipException.class,
                () -> RetrievalMetrics.compute(new float[][] {{1}}, new int[] {1}));
    }
}
