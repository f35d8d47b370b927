package org.siglip4j.core.processing;

import ai.djl.ndarray.NDList;
import org.siglip4j.core.io.BoundedJson;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * HF's {@code Siglip2ImageProcessor} (SigLIP 2 NaFlex): each image is resized (Pillow, on uint8)
 * to the largest multiple-of-patch size whose patch count stays within {@code max_num_patches},
 * keeping its aspect ratio (HF's binary search over the scale, reproduced in double precision),
 * rescaled and normalised, cut into patches flattened as (row, column, channel), and padded with
 * zero patches to {@code max_num_patches}. Returns {@code pixel_values} [B, max_num_patches,
 * p*p*C], {@code pixel_attention_mask} [B, max_num_patches] (int64, 1 = patch) and
 * {@code spatial_shapes} [B, 2] (int64 rows, columns), so a batch may mix aspect ratios.
 */
public final class Siglip2ImageProcessor {
    /** HF's default {@code max_num_patches}. */
    public static final int DEFAULT_MAX_NUM_PATCHES = 256;

    private final SiglipImageProcessor pixels;
    private final int patchSize;
    private final int maxNumPatches;

    /**
     * @param config resample, rescale and normalisation settings ({@code size} is not used)
     * @param patchSize patch side in pixels
     * @param maxNumPatches the most patches per image
     */
    public Siglip2ImageProcessor(SiglipImageProcessorConfig config, int patchSize, int maxNumPatches) {
        if (patchSize < 1) {
            throw new SiglipException("patch_size must be at least 1, got " + patchSize);
        }
        checkMaxNumPatches(maxNumPatches);
        this.pixels = new SiglipImageProcessor(config);
        this.patchSize = patchSize;
        this.maxNumPatches = maxNumPatches;
    }

    private static void checkMaxNumPatches(int n) {
        if (n < 1) {
            throw new SiglipException("max_num_patches must be at least 1, got " + n);
        }
    }

    /** Reads {@code preprocessor_config.json} of a NaFlex folder ({@code patch_size}, {@code max_num_patches}). */
    public static Siglip2ImageProcessor load(Path dir) {
        Path file = Files.isDirectory(dir) ? dir.resolve("preprocessor_config.json") : dir;
        SiglipImageProcessorConfig config = SiglipImageProcessorConfig.load(file);
        JsonObject json;
        try {
            json = BoundedJson.parse(Files.readString(file), file.toString()).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new SiglipException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return new Siglip2ImageProcessor(config, intOr(json, "patch_size", 16, file),
                intOr(json, "max_num_patches", DEFAULT_MAX_NUM_PATCHES, file));
    }

    private static int intOr(JsonObject o, String key, int dflt, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || e.getAsDouble() != Math.rint(e.getAsDouble())) {
            throw new SiglipException(file + ": \"" + key + "\" must be an integer, got " + e);
        }
        return e.getAsInt();
    }

    /** A copy with another {@code max_num_patches} (HF's call-time option of the same name). */
    public Siglip2ImageProcessor withMaxNumPatches(int n) {
        return new Siglip2ImageProcessor(pixels.config(), patchSize, n);
    }

    /** @return the patch side in pixels */
    public int patchSize() {
        return patchSize;
    }

    /** @return the most patches per image (the padded sequence length) */
    public int maxNumPatches() {
        return maxNumPatches;
    }

    /**
     * HF's {@code get_image_size_for_max_num_patches}: the target (height, width), multiples of
     * the patch size, at least one patch each, with at most {@code maxNumPatches} patches.
     */
    public static int[] targetSize(int height, int width, int patchSize, int maxNumPatches) {
        double eps = 1e-5;
        double lo = eps / 10;
        double hi = 100.0;
        while (hi - lo >= eps) {
            double scale = (lo + hi) / 2;
            double th = scaled(scale, height, patchSize);
            double tw = scaled(scale, width, patchSize);
            if ((th / patchSize) * (tw / patchSize) <= maxNumPatches) {
                lo = scale;
            } else {
                hi = scale;
            }
        }
        return new int[] {(int) scaled(lo, height, patchSize), (int) scaled(lo, width, patchSize)};
    }

    private static double scaled(double scale, int size, int patch) {
        double s = Math.ceil(size * scale / patch) * patch;
        return Math.max(patch, s);
    }

    /** The processed batch as float / long arrays (see the class comment for the layout). */
    public record Batch(float[] pixelValues, long[] pixelAttentionMask, long[] spatialShapes, int batchSize,
            int maxNumPatches, int patchFeatures) {
        /** The three arrays as {@code pixel_values}, {@code pixel_attention_mask}, {@code spatial_shapes}. */
        public NDList toNDList(NDManager manager) {
            NDList out = new NDList(
                    manager.create(pixelValues, new Shape(batchSize, maxNumPatches, patchFeatures)),
                    manager.create(pixelAttentionMask, new Shape(batchSize, maxNumPatches)),
                    manager.create(spatialShapes, new Shape(batchSize, 2)));
            out.get(0).setName("pixel_values");
            out.get(1).setName("pixel_attention_mask");
            out.get(2).setName("spatial_shapes");
            return out;
        }
    }

    /** Processes decoded images. */
    public Batch process(List<RgbImage> images) {
        if (images.isEmpty()) {
            throw new SiglipException("no images to process (empty batch)");
        }
        int features = 3 * patchSize * patchSize;
        checkBatchSize(images.size(), features);
        float[] values = new float[images.size() * maxNumPatches * features];
        long[] mask = new long[images.size() * maxNumPatches];
        long[] shapes = new long[images.size() * 2];
        for (int b = 0; b < images.size(); b++) {
            RgbImage image = images.get(b);
            int[] size = targetSize(image.height(), image.width(), patchSize, maxNumPatches);
            RgbImage resized = pixels.config().doResize()
                    ? PillowResize.resize(image, size[1], size[0], pixels.config().resample()) : image;
            int rows = resized.height() / patchSize;
            int cols = resized.width() / patchSize;
            if (rows < 1 || cols < 1 || rows * cols > maxNumPatches) {
                throw new SiglipException("image " + b + " is " + resized.width() + "x" + resized.height()
                        + " after resizing: not 1 to " + maxNumPatches + " patches of " + patchSize + " pixels");
            }
            float[] chw = pixels.rescaleAndNormalize(resized);
            int plane = resized.width() * resized.height();
            int base = b * maxNumPatches * features;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int o = base + (r * cols + c) * features;
                    for (int y = 0; y < patchSize; y++) {
                        for (int x = 0; x < patchSize; x++) {
                            int pix = (r * patchSize + y) * resized.width() + c * patchSize + x;
                            for (int ch = 0; ch < 3; ch++) {
                                values[o++] = chw[ch * plane + pix];
                            }
                        }
                    }
                }
            }
            for (int i = 0; i < rows * cols; i++) {
                mask[b * maxNumPatches + i] = 1;
            }
            shapes[2 * b] = rows;
            shapes[2 * b + 1] = cols;
        }
        return new Batch(values, mask, shapes, images.size(), maxNumPatches, features);
    }

    /**
     * One image as a packed patch sequence, the form a training data loader hands around:
     * {@code [rows, columns, patch values...]} with only the rows * columns real patches (no
     * padding); {@link #unpack} pads a list of them into a batch.
     */
    public float[] pack(RgbImage image) {
        Batch one = process(List.of(image));
        int rows = (int) one.spatialShapes()[0];
        int cols = (int) one.spatialShapes()[1];
        int n = rows * cols * one.patchFeatures();
        float[] out = new float[2 + n];
        out[0] = rows;
        out[1] = cols;
        System.arraycopy(one.pixelValues(), 0, out, 2, n);
        return out;
    }

    /** The batch of packed sequences ({@link #pack}), padded to {@link #maxNumPatches()}. */
    public Batch unpack(List<float[]> packed) {
        int features = 3 * patchSize * patchSize;
        checkBatchSize(packed.size(), features);
        float[] values = new float[packed.size() * maxNumPatches * features];
        long[] mask = new long[packed.size() * maxNumPatches];
        long[] shapes = new long[packed.size() * 2];
        for (int b = 0; b < packed.size(); b++) {
            float[] p = packed.get(b);
            int rows = (int) p[0];
            int cols = (int) p[1];
            if (rows < 1 || cols < 1 || rows * cols > maxNumPatches || p.length != 2 + rows * cols * features) {
                throw new SiglipException("packed image " + b + " is not " + patchSize + "-pixel patches of at most "
                        + maxNumPatches + " (it says " + rows + "x" + cols + " in " + p.length + " values)");
            }
            System.arraycopy(p, 2, values, b * maxNumPatches * features, rows * cols * features);
            for (int i = 0; i < rows * cols; i++) {
                mask[b * maxNumPatches + i] = 1;
            }
            shapes[2 * b] = rows;
            shapes[2 * b + 1] = cols;
        }
        return new Batch(values, mask, shapes, packed.size(), maxNumPatches, features);
    }

    /** One Java array holds the padded batch: refuse what would not fit instead of overflowing. */
    private void checkBatchSize(int images, int features) {
        long values = (long) images * maxNumPatches * features;
        if (values > Integer.MAX_VALUE - 16) {
            throw new SiglipException("max_num_patches " + maxNumPatches + " is too large for a batch of " + images
                    + " images (" + values + " values > 2^31); use fewer patches or smaller batches");
        }
    }

    /** Loads and processes image files (EXIF orientation applied, as HF's {@code load_image}). */
    public Batch processFiles(List<Path> files) {
        return process(files.stream().map(ImageLoader::load).toList());
    }
}
