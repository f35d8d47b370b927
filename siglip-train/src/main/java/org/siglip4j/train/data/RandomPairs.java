package org.siglip4j.train.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Synthetic pairs for benchmarks and smoke runs: uniform random pixels in [-1, 1) (already
 * normalised) and a short numbered caption per item, generated in memory from the item's index,
 * so that decoding and disk do not count in a throughput figure and every run sees the same data.
 *
 * @param size the number of pairs
 * @param imageSize the side of the square images in pixels
 */
public record RandomPairs(int size, int imageSize) implements PairSource {

    @Override
    public List<String> captions(int i) {
        return List.of("a photo of thing number " + i);
    }

    @Override
    public String group(int i) {
        return null;
    }

    @Override
    public float[] pixels(int i) {
        SplittableRandom r = new SplittableRandom(i);
        float[] px = new float[3 * imageSize * imageSize];
        for (int k = 0; k < px.length; k++) {
            px[k] = (float) (r.nextDouble() * 2 - 1);
        }
        return px;
    }

    @Override
    public String describe(int i) {
        return "random " + i;
    }
}
