package org.siglip4j.core.processing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

/**
 * HF's {@code SiglipProcessor}: the tokenizer and the image processor of one model folder.
 * Text becomes {@code input_ids} (int64 {@code [N, L]}, padded to {@code max_length} with
 * {@code </s>}, no attention mask, as SigLIP was trained); images become {@code pixel_values}
 * (float32 {@code [N, 3, H, W]}). Arrays are created in the caller's manager.
 *
 * <p>Thread-safe; {@link #close()} releases the native tokenizer.
 */
public final class SiglipProcessor implements AutoCloseable {
    /** Name given to the token id array in {@link #process}. */
    public static final String INPUT_IDS = "input_ids";
    /** Name given to the image array in {@link #process}. */
    public static final String PIXEL_VALUES = "pixel_values";

    private final SiglipTokenizer tokenizer;
    private final SiglipImageProcessor imageProcessor;

    /**
     * Combines a tokenizer and an image processor; the processor takes ownership of the tokenizer.
     *
     * @param tokenizer the tokenizer
     * @param imageProcessor the image processor
     */
    public SiglipProcessor(SiglipTokenizer tokenizer, SiglipImageProcessor imageProcessor) {
        if (tokenizer == null || imageProcessor == null) {
            throw new SiglipException("SiglipProcessor needs both a tokenizer and an image processor");
        }
        this.tokenizer = tokenizer;
        this.imageProcessor = imageProcessor;
    }

    /**
     * Loads both parts from a model folder ({@code tokenizer.json} or {@code spiece.model},
     * {@code tokenizer_config.json}, {@code preprocessor_config.json}).
     *
     * @param dir the model folder
     * @return the processor
     */
    public static SiglipProcessor load(Path dir) {
        SiglipImageProcessor images = SiglipImageProcessor.load(dir);
        return new SiglipProcessor(SiglipTokenizer.load(dir), images);
    }

    /** @return the tokenizer */
    public SiglipTokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the image processor */
    public SiglipImageProcessor imageProcessor() {
        return imageProcessor;
    }

    /**
     * Tokenises texts.
     *
     * @param texts texts
     * @param manager owner of the result
     * @return {@code input_ids}, int64 {@code [N, L]}
     */
    public NDArray processTexts(List<String> texts, NDManager manager) {
        NDArray ids = tokenizer.encode(texts, manager);
        ids.setName(INPUT_IDS);
        return ids;
    }

    /**
     * Loads and preprocesses image files.
     *
     * @param files image files
     * @param manager owner of the result
     * @return {@code pixel_values}, float32 {@code [N, 3, H, W]}
     */
    public NDArray processImageFiles(List<Path> files, NDManager manager) {
        return named(imageProcessor.preprocessFiles(files, manager));
    }

    /**
     * Preprocesses RGB images.
     *
     * @param images images of any sizes
     * @param manager owner of the result
     * @return {@code pixel_values}, float32 {@code [N, 3, H, W]}
     */
    public NDArray processImages(List<RgbImage> images, NDManager manager) {
        return named(imageProcessor.preprocess(images, manager));
    }

    /**
     * Converts AWT images like PIL's {@code convert("RGB")} and preprocesses them.
     *
     * @param images decoded images
     * @param manager owner of the result
     * @return {@code pixel_values}, float32 {@code [N, 3, H, W]}
     */
    public NDArray processBufferedImages(List<BufferedImage> images, NDManager manager) {
        return named(imageProcessor.preprocessBufferedImages(images, manager));
    }

    /**
     * Processes texts and image files together, the usual input of a SigLIP model.
     *
     * @param texts texts
     * @param imageFiles image files
     * @param manager owner of the results
     * @return {@code [input_ids, pixel_values]}, named {@link #INPUT_IDS} and {@link #PIXEL_VALUES}
     */
    public NDList process(List<String> texts, List<Path> imageFiles, NDManager manager) {
        return withTexts(texts, processImageFiles(imageFiles, manager), manager);
    }

    /**
     * Processes texts and RGB images together.
     *
     * @param texts texts
     * @param images images
     * @param manager owner of the results
     * @return {@code [input_ids, pixel_values]}, named {@link #INPUT_IDS} and {@link #PIXEL_VALUES}
     */
    public NDList processRgb(List<String> texts, List<RgbImage> images, NDManager manager) {
        return withTexts(texts, processImages(images, manager), manager);
    }

    /** Pairs the texts' ids with already-made pixels, closing the pixels if the texts fail. */
    private NDList withTexts(List<String> texts, NDArray pixels, NDManager manager) {
        try {
            return new NDList(processTexts(texts, manager), pixels);
        } catch (RuntimeException e) {
            pixels.close();
            throw e;
        }
    }

    private static NDArray named(NDArray pixels) {
        pixels.setName(PIXEL_VALUES);
        return pixels;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
