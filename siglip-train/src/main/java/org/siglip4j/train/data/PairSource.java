package org.siglip4j.train.data;

import org.siglip4j.core.processing.SiglipImageProcessor;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Random access to training records: captions, positive group and preprocessed pixels by index.
 * Pixels are produced on the loader's worker threads, so {@link #pixels(int)} must be thread-safe.
 */
public interface PairSource {

    /** The number of records. */
    int size();

    /** The captions of record {@code i} (at least one). */
    List<String> captions(int i);

    /** The positive group of record {@code i}, or {@code null} if it matches only its own caption. */
    String group(int i);

    /**
     * Decodes and preprocesses the image of record {@code i} into channels-first floats.
     *
     * @throws Exception if the image is missing or corrupt: the record is then skipped and counted
     */
    float[] pixels(int i) throws Exception;

    /**
     * The pixels of record {@code i} as one training step sees them. The loader calls this with
     * {@link Augmentation#seed(long, int, int)} of (run seed, step, record), so a source that
     * augments draws its randomness from that seed alone and a resumed run stays exact. Sources
     * without augmentation ignore the seed (the default).
     *
     * @throws Exception if the image is missing or corrupt
     */
    default float[] pixels(int i, long augmentationSeed) throws Exception {
        return pixels(i);
    }

    /** Names record {@code i} in a skipped-record report. */
    String describe(int i);

    /**
     * A source over file-based pairs.
     *
     * @param data the pairs
     * @param preprocess decodes and preprocesses one image file (thread-safe)
     */
    static PairSource of(PairDataset data, Function<Path, float[]> preprocess) {
        List<ImageTextPair> pairs = data.pairs();
        return new PairSource() {
            @Override
            public int size() {
                return pairs.size();
            }

            @Override
            public List<String> captions(int i) {
                return pairs.get(i).captions();
            }

            @Override
            public String group(int i) {
                return pairs.get(i).group();
            }

            @Override
            public float[] pixels(int i) {
                return preprocess.apply(pairs.get(i).image());
            }

            @Override
            public String describe(int i) {
                return String.valueOf(pairs.get(i).image());
            }
        };
    }

    /**
     * A source over file-based pairs decoded ({@link SiglipImageProcessor#loadImage}: a truncated file
     * is skipped as corrupt unless the processor accepts it) and preprocessed by the
     * model's processor, with optional train-time augmentation.
     *
     * @param data the pairs
     * @param processor the model's image processor
     * @param augmentation {@link Augmentation#NONE} for plain preprocessing
     */
    static PairSource of(PairDataset data, SiglipImageProcessor processor, Augmentation augmentation) {
        List<ImageTextPair> pairs = data.pairs();
        PairSource plain = of(data, f -> processor.preprocess(processor.loadImage(f)));
        if (!augmentation.enabled()) {
            return plain;
        }
        return new PairSource() {
            @Override
            public int size() {
                return plain.size();
            }

            @Override
            public List<String> captions(int i) {
                return plain.captions(i);
            }

            @Override
            public String group(int i) {
                return plain.group(i);
            }

            @Override
            public float[] pixels(int i) throws Exception {
                return plain.pixels(i);
            }

            @Override
            public float[] pixels(int i, long seed) {
                return augmentation.preprocess(processor, processor.loadImage(pairs.get(i).image()), seed);
            }

            @Override
            public String describe(int i) {
                return plain.describe(i);
            }
        };
    }
}
