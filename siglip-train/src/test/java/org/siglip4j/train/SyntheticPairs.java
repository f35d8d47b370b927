package org.siglip4j.train;

import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.train.data.PairSource;

import java.util.List;

/**
 * A small synthetic image-text set for learning tests: {@code colours x shapes} images, each a
 * filled shape of one colour on black, captioned "a COLOUR SHAPE". Deterministic.
 */
final class SyntheticPairs implements PairSource {
    static final String[] COLOURS = {"red", "green", "blue", "yellow", "white", "purple", "orange", "cyan"};
    static final int[][] RGB = {{230, 20, 20}, {20, 200, 40}, {30, 40, 230}, {240, 230, 30}, {250, 250, 250},
        {150, 30, 170}, {250, 140, 10}, {20, 220, 230}};
    static final String[] SHAPES = {"square", "circle", "stripe", "cross"};

    private final SiglipImageProcessor processor;
    private final int size;

    SyntheticPairs(SiglipImageProcessor processor, int size) {
        this.processor = processor;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public List<String> captions(int i) {
        return List.of("a " + COLOURS[i % COLOURS.length] + " " + SHAPES[(i / COLOURS.length) % SHAPES.length]);
    }

    @Override
    public String group(int i) {
        return null;
    }

    @Override
    public float[] pixels(int i) {
        return processor.preprocess(image(i));
    }

    @Override
    public String describe(int i) {
        return "synthetic " + i;
    }

    static RgbImage image(int i) {
        int w = 32;
        byte[] px = new byte[w * w * 3];
        int[] c = RGB[i % RGB.length];
        int shape = (i / COLOURS.length) % SHAPES.length;
        for (int y = 0; y < w; y++) {
            for (int x = 0; x < w; x++) {
                boolean on = switch (shape) {
                    // A corner square: a centred one is hard to tell from the circle at 8x8 patches.
                    case 0 -> x < 16 && y < 16;
                    case 1 -> (x - 16) * (x - 16) + (y - 16) * (y - 16) < 100;
                    case 2 -> (x / 4) % 2 == 0;
                    default -> Math.abs(x - 16) < 3 || Math.abs(y - 16) < 3;
                };
                if (on) {
                    for (int ch = 0; ch < 3; ch++) {
                        px[(y * w + x) * 3 + ch] = (byte) c[ch];
                    }
                }
            }
        }
        return new RgbImage(w, w, px);
    }
}
