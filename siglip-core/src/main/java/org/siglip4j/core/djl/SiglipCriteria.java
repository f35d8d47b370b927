package org.siglip4j.core.djl;

import ai.djl.repository.zoo.Criteria;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.pipeline.SiglipPipelines;

/**
 * DJL {@link Criteria} for SigLIP folders and hub ids.
 *
 * <p>A Hugging Face folder has no DJL model file, so DJL needs three settings to load it: the
 * {@link SiglipBlockFactory} (argument {@code blockFactory}), no parameter file of its own (option
 * {@code hasParameter=false}) and the {@link SiglipTranslatorFactory}. For a local folder DJL finds
 * them by itself through {@link SiglipRepositoryFactory}, so a plain
 * {@code Criteria.builder().setTypes(...).optModelPath(folder)} loads it; {@link #builder} sets them
 * explicitly and also takes a hub id; {@link #writeServingProperties} writes them into the folder
 * as {@code serving.properties}, which is what DJL Serving reads.
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = SiglipCriteria.builder("google/siglip-base-patch16-224",
 *                 Image.class, Classifications.class)
 *         .optArgument("labels", List.of("cat", "dog"))
 *         .build();
 * try (ZooModel<Image, Classifications> model = criteria.loadModel();
 *         Predictor<Image, Classifications> predictor = model.newPredictor()) {
 *     Classifications c = predictor.predict(ImageFactory.getInstance().fromFile(Path.of("cat.jpg")));
 * }
 * }</pre>
 */
public final class SiglipCriteria {
    /** The {@code serving.properties} that lets DJL (and DJL Serving) load a SigLIP folder. */
    public static final String SERVING_PROPERTIES = "engine=PyTorch\n"
            + "blockFactory=" + SiglipBlockFactory.class.getName() + "\n"
            + "translatorFactory=" + SiglipTranslatorFactory.class.getName() + "\n"
            + "option.hasParameter=false\n";

    private SiglipCriteria() {}

    /**
     * A criteria builder for a SigLIP folder or hub id (downloaded into the hub cache on first
     * use), with the block factory, option and translator factory set.
     *
     * @param folderOrHubId a folder path or an id such as {@code google/siglip-base-patch16-224}
     * @param input the input class ({@code Image} or {@code String})
     * @param output the output class ({@code Classifications} or {@code float[]})
     * @param <I> the input type
     * @param <O> the output type
     * @return the builder; add {@code optArgument("labels", ...)} for zero-shot classification
     */
    public static <I, O> Criteria.Builder<I, O> builder(String folderOrHubId, Class<I> input, Class<O> output) {
        Path dir = SiglipPipelines.resolveModel(folderOrHubId);
        return Criteria.builder().setTypes(input, output).optModelPath(dir).optEngine("PyTorch")
                .optArgument("blockFactory", SiglipBlockFactory.class.getName())
                .optOption("hasParameter", "false")
                .optTranslatorFactory(new SiglipTranslatorFactory());
    }

    /**
     * Writes {@link #SERVING_PROPERTIES} (plus any extra lines, e.g. {@code labels=cat|dog}) into a
     * model folder, so that DJL's default loading and DJL Serving load it as it is.
     *
     * @param dir a SigLIP model folder (not a hub cache snapshot, which must stay as downloaded)
     * @param extraLines more {@code key=value} lines, such as {@code labels=cat|dog}
     * @return the file written
     */
    public static Path writeServingProperties(Path dir, String... extraLines) {
        Path file = dir.resolve("serving.properties");
        StringBuilder text = new StringBuilder(SERVING_PROPERTIES);
        for (String line : extraLines) {
            text.append(line).append('\n');
        }
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SiglipException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
