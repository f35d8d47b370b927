package org.siglip4j.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.siglip4j.eval.spark.EmbeddingModelFactory;

/**
 * Serialisable factory for {@link FakeEmbeddingModel} (test code only), for the Spark evaluator.
 * Every model it creates is recorded, so tests can count loads and model calls.
 *
 * @param preprocessingId the fake's preprocessing id
 */
public record FakeModelFactory(String preprocessingId) implements EmbeddingModelFactory {

    /** Every model created by any instance, in creation order. */
    public static final List<EmbeddingModel> CREATED = new CopyOnWriteArrayList<>();

    @Override
    public EmbeddingModel create() {
        FakeEmbeddingModel m = new FakeEmbeddingModel(preprocessingId);
        CREATED.add(m);
        return m;
    }

    /**
     * A fresh fake (not recorded), for the single-process evaluator.
     *
     * @return a new model
     */
    public EmbeddingModel newModel() {
        return new FakeEmbeddingModel(preprocessingId);
    }

    /**
     * Images embedded by a created model.
     *
     * @param i creation index
     * @return the count
     */
    public static int imagesEmbedded(int i) {
        return fake(i).imagesEmbedded;
    }

    /**
     * {@code embedImages} calls of a created model.
     *
     * @param i creation index
     * @return the count
     */
    public static int imageCalls(int i) {
        return fake(i).imageCalls;
    }

    /**
     * Texts embedded by a created model.
     *
     * @param i creation index
     * @return the count
     */
    public static int textsEmbedded(int i) {
        return fake(i).textsEmbedded;
    }

    private static FakeEmbeddingModel fake(int i) {
        return (FakeEmbeddingModel) CREATED.get(i);
    }

    /**
     * Writes a tiny one-colour PNG (see {@link FakeEmbeddingModel#png}).
     *
     * @param file the target
     * @param rgb the colour, also the marker pixel
     * @throws IOException if writing fails
     */
    public static void png(Path file, int rgb) throws IOException {
        FakeEmbeddingModel.png(file, rgb, rgb);
    }
}
