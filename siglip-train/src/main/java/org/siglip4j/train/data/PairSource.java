package org.siglip4j.train.data;

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
}
