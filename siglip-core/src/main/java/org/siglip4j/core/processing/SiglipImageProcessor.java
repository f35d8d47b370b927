package org.siglip4j.core.processing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.siglip4j.core.SiglipException;

/**
 * HF's {@code SiglipImageProcessor}: resize to exactly {@code height x width} with Pillow's
 * filter on uint8 RGB, rescale by {@code rescale_factor}, normalise per channel and lay out
 * channels first. Results equal HF v4.45.1's {@code pixel_values} bit for bit for PNG inputs.
 *
 * <p>Instances are immutable and thread-safe. Batches are decoded and resized in parallel on the
 * common fork-join pool unless created with {@code parallel = false}.
 */
public final class SiglipImageProcessor {
    private final SiglipImageProcessorConfig config;
    private final boolean parallel;
    private final ImageLoadOptions loadOptions;
    /** uint8 value -> normalised float per channel; exact, since the map is a function of the byte. */
    private final float[][] lut;

    /**
     * Creates a processor that works on batches in parallel.
     *
     * @param config the settings
     */
    public SiglipImageProcessor(SiglipImageProcessorConfig config) {
        this(config, true);
    }

    /**
     * Creates a processor.
     *
     * @param config the settings
     * @param parallel whether batches are decoded and resized in parallel
     */
    public SiglipImageProcessor(SiglipImageProcessorConfig config, boolean parallel) {
        this(config, parallel, ImageLoadOptions.DEFAULT);
    }

    /**
     * Creates a processor.
     *
     * @param config the settings
     * @param parallel whether batches are decoded and resized in parallel
     * @param loadOptions how image files are decoded (truncated files, memory bound)
     */
    public SiglipImageProcessor(SiglipImageProcessorConfig config, boolean parallel, ImageLoadOptions loadOptions) {
        this.config = config;
        this.parallel = parallel;
        this.loadOptions = loadOptions;
        this.lut = new float[3][256];
        double[] mean = config.imageMean();
        double[] std = config.imageStd();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                // HF: float32(u8 * factor computed in float64), then (x - mean) / std in float32
                float x = config.doRescale() ? (float) (v * config.rescaleFactor()) : (float) v;
                lut[c][v] = config.doNormalize() ? (x - m) / s : x;
            }
        }
    }

    /**
     * Loads {@code preprocessor_config.json} from a model folder (or the file itself).
     *
     * @param path a folder or the config file
     * @return a parallel processor
     */
    public static SiglipImageProcessor load(Path path) {
        return new SiglipImageProcessor(SiglipImageProcessorConfig.load(path));
    }

    /** @return the settings */
    public SiglipImageProcessorConfig config() {
        return config;
    }

    /** @return whether batches are processed in parallel */
    public boolean isParallel() {
        return parallel;
    }

    /**
     * Returns a processor with the same settings and another parallelism.
     *
     * @param newParallel whether batches are processed in parallel
     * @return a processor
     */
    public SiglipImageProcessor withParallel(boolean newParallel) {
        return new SiglipImageProcessor(config, newParallel, loadOptions);
    }

    /** @return how image files are decoded */
    public ImageLoadOptions loadOptions() {
        return loadOptions;
    }

    /**
     * Returns a processor with the same settings that decodes files with other options, e.g.
     * accepting truncated files as Pillow's {@code LOAD_TRUNCATED_IMAGES} does.
     *
     * @param options how image files are decoded
     * @return a processor
     */
    public SiglipImageProcessor withLoadOptions(ImageLoadOptions options) {
        return new SiglipImageProcessor(config, parallel, options);
    }

    /**
     * Loads one image file with this processor's {@link #loadOptions()}.
     *
     * @param file an image file
     * @return its RGB pixels, EXIF-oriented
     */
    public RgbImage loadImage(Path file) {
        return ImageLoader.load(file, loadOptions);
    }

    /** @return the output height of {@link #preprocess(RgbImage)} when resizing */
    public int height() {
        return config.height();
    }

    /** @return the output width of {@link #preprocess(RgbImage)} when resizing */
    public int width() {
        return config.width();
    }

    /**
     * The resize step alone (HF's {@code resize}, i.e. Pillow on uint8, or the configured
     * {@link ResizeCenterCrop}); the image itself when {@code do_resize} is false.
     *
     * @param image RGB pixels
     * @return the image at the configured size
     */
    public RgbImage resize(RgbImage image) {
        if (!config.doResize()) {
            return image;
        }
        if (config.centerCrop() != null) {
            return config.centerCrop().apply(image, config.height(), config.width());
        }
        return PillowResize.resize(image, config.width(), config.height(), config.resample());
    }

    /**
     * Rescales and normalises an image without resizing it, channels first.
     *
     * @param image RGB pixels (already at the wanted size)
     * @return float {@code [3, H, W]} values
     */
    public float[] rescaleAndNormalize(RgbImage image) {
        float[] out = new float[image.rgb().length];
        writeChw(image, out, 0);
        return out;
    }

    private void writeChw(RgbImage image, float[] out, int offset) {
        byte[] rgb = image.rgb();
        int plane = image.width() * image.height();
        float[] l0 = lut[0];
        float[] l1 = lut[1];
        float[] l2 = lut[2];
        for (int p = 0, i = 0; p < plane; p++, i += 3) {
            out[offset + p] = l0[rgb[i] & 0xFF];
            out[offset + plane + p] = l1[rgb[i + 1] & 0xFF];
            out[offset + 2 * plane + p] = l2[rgb[i + 2] & 0xFF];
        }
    }

    /**
     * Full preprocessing of one image: resize, rescale, normalise, channels first.
     *
     * @param image RGB pixels
     * @return float {@code [3, height, width]} values
     */
    public float[] preprocess(RgbImage image) {
        return rescaleAndNormalize(resize(image));
    }

    /**
     * Preprocesses a batch into one flat array.
     *
     * @param images RGB images of any sizes (equal sizes when {@code do_resize} is false)
     * @return float {@code [N, 3, H, W]} values, image-major
     */
    public float[] preprocessToArray(List<RgbImage> images) {
        return batch(images.size(), images::get).values;
    }

    /**
     * Preprocesses a batch into {@code pixel_values}.
     *
     * @param images RGB images of any sizes
     * @param manager the manager that will own the result
     * @return float32 {@code [N, 3, H, W]}
     */
    public NDArray preprocess(List<RgbImage> images, NDManager manager) {
        return batch(images.size(), images::get).toNDArray(manager);
    }

    /**
     * Converts AWT images like PIL's {@code convert("RGB")} and preprocesses them.
     *
     * @param images decoded images (no EXIF orientation is applied)
     * @param manager the manager that will own the result
     * @return float32 {@code [N, 3, H, W]}
     */
    public NDArray preprocessBufferedImages(List<BufferedImage> images, NDManager manager) {
        return batch(images.size(), i -> ImageLoader.toRgb(images.get(i))).toNDArray(manager);
    }

    /**
     * Loads image files ({@link #loadImage}) and preprocesses them; decoding runs in
     * parallel too.
     *
     * @param files image files
     * @param manager the manager that will own the result
     * @return float32 {@code [N, 3, H, W]}
     * @throws SiglipException naming the first file that cannot be loaded
     */
    public NDArray preprocessFiles(List<Path> files, NDManager manager) {
        return batch(files.size(), i -> loadImage(files.get(i))).toNDArray(manager);
    }

    /**
     * Loads image files and preprocesses them into one flat array.
     *
     * @param files image files
     * @return float {@code [N, 3, H, W]} values
     */
    public float[] preprocessFilesToArray(List<Path> files) {
        return batch(files.size(), i -> loadImage(files.get(i))).values;
    }

    private record Batch(float[] values, int n, int height, int width) {
        NDArray toNDArray(NDManager manager) {
            return manager.create(values, new Shape(n, 3, height, width));
        }
    }

    private Batch batch(int n, IntFunction<RgbImage> source) {
        if (n == 0) {
            throw new SiglipException("no images to process (empty batch)");
        }
        RgbImage[] resized = new RgbImage[n];
        IntStream idx = IntStream.range(0, n);
        (parallel ? idx.parallel() : idx).forEach(i -> resized[i] = resize(source.apply(i)));
        int h = resized[0].height();
        int w = resized[0].width();
        for (int i = 1; i < n; i++) {
            if (resized[i].height() != h || resized[i].width() != w) {
                throw new SiglipException("images of a batch must share one size when do_resize is false: image 0 is "
                        + w + "x" + h + ", image " + i + " is " + resized[i].width() + "x" + resized[i].height());
            }
        }
        int per = 3 * h * w;
        if ((long) per * n > Integer.MAX_VALUE - 8) {
            throw new SiglipException("batch of " + n + " images of " + w + "x" + h + " is too large for one array");
        }
        float[] out = new float[per * n];
        IntStream idx2 = IntStream.range(0, n);
        (parallel ? idx2.parallel() : idx2).forEach(i -> writeChw(resized[i], out, i * per));
        return new Batch(out, n, h, w);
    }
}
