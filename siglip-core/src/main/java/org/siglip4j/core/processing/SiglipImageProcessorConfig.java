package org.siglip4j.core.processing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Arrays;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.BoundedJson;
import org.siglip4j.core.io.ConfigFiles;

/**
 * The settings of HF's {@code SiglipImageProcessor} as stored in {@code preprocessor_config.json}.
 * Missing keys take HF's defaults; unknown keys are ignored.
 *
 * @param doResize resize to exactly {@code height x width} (aspect ratio not kept)
 * @param height target height ({@code size.height})
 * @param width target width ({@code size.width})
 * @param resample the Pillow filter ({@code resample}: 3 bicubic, 2 bilinear)
 * @param doRescale multiply the uint8 values by {@code rescaleFactor}
 * @param rescaleFactor usually 1/255
 * @param doNormalize subtract {@code imageMean} and divide by {@code imageStd}, per channel
 * @param imageMean three channel means
 * @param imageStd three channel standard deviations
 * @param doConvertRgb the stored {@code do_convert_rgb} (null, true or false); informative only:
 *     this processor always converts to RGB like PIL's {@code convert("RGB")}, as HF's pipelines
 *     do through {@code load_image}
 * @param centerCrop a resize-then-centre-crop to {@code height x width} replacing the plain resize
 *     (timm's and open_clip's eval transforms), stored under {@value ResizeCenterCrop#JSON_KEY};
 *     null for HF's resize
 */
public record SiglipImageProcessorConfig(
        boolean doResize,
        int height,
        int width,
        PillowResample resample,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        double[] imageMean,
        double[] imageStd,
        Boolean doConvertRgb,
        ResizeCenterCrop centerCrop) {

    /**
     * HF's settings: a plain resize to {@code height x width}.
     *
     * @param doResize see the record
     * @param height see the record
     * @param width see the record
     * @param resample see the record
     * @param doRescale see the record
     * @param rescaleFactor see the record
     * @param doNormalize see the record
     * @param imageMean see the record
     * @param imageStd see the record
     * @param doConvertRgb see the record
     */
    public SiglipImageProcessorConfig(boolean doResize, int height, int width, PillowResample resample,
            boolean doRescale, double rescaleFactor, boolean doNormalize, double[] imageMean, double[] imageStd,
            Boolean doConvertRgb) {
        this(doResize, height, width, resample, doRescale, rescaleFactor, doNormalize, imageMean, imageStd,
                doConvertRgb, null);
    }

    /** Validates sizes and per-channel statistics. */
    public SiglipImageProcessorConfig {
        if (height <= 0 || width <= 0) {
            throw new SiglipException("image processor size must be positive, got height " + height + ", width " + width);
        }
        // the processor makes a float image of this size: keep it within what a decoded image may be
        if ((long) height * width > ImageLoader.MAX_PIXELS) {
            throw new SiglipException("image processor size " + height + "x" + width + " is over "
                    + ImageLoader.MAX_PIXELS + " pixels (Pillow's decompression-bomb limit)");
        }
        if (resample == null) {
            throw new SiglipException("image processor resample must be set");
        }
        if (imageMean == null || imageMean.length != 3 || imageStd == null || imageStd.length != 3) {
            throw new SiglipException("image_mean and image_std need 3 values (RGB), got "
                    + Arrays.toString(imageMean) + " and " + Arrays.toString(imageStd));
        }
        for (double s : imageStd) {
            if (!(s != 0.0) || Double.isNaN(s)) {
                throw new SiglipException("image_std values must be non-zero, got " + Arrays.toString(imageStd));
            }
        }
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
    }

    /** @return a copy of the channel means */
    @Override
    public double[] imageMean() {
        return imageMean.clone();
    }

    /** @return a copy of the channel standard deviations */
    @Override
    public double[] imageStd() {
        return imageStd.clone();
    }

    /** Compares by value, arrays included. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SiglipImageProcessorConfig c && doResize == c.doResize && height == c.height
                && width == c.width && resample == c.resample && doRescale == c.doRescale
                && Double.compare(rescaleFactor, c.rescaleFactor) == 0 && doNormalize == c.doNormalize
                && Arrays.equals(imageMean, c.imageMean) && Arrays.equals(imageStd, c.imageStd)
                && java.util.Objects.equals(doConvertRgb, c.doConvertRgb)
                && java.util.Objects.equals(centerCrop, c.centerCrop);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(doResize, height, width, resample, doRescale, rescaleFactor, doNormalize,
                Arrays.hashCode(imageMean), Arrays.hashCode(imageStd), doConvertRgb, centerCrop);
    }

    @Override
    public String toString() {
        return "SiglipImageProcessorConfig[doResize=" + doResize + ", height=" + height + ", width=" + width
                + ", resample=" + resample + ", doRescale=" + doRescale + ", rescaleFactor=" + rescaleFactor
                + ", doNormalize=" + doNormalize + ", imageMean=" + Arrays.toString(imageMean)
                + ", imageStd=" + Arrays.toString(imageStd) + ", doConvertRgb=" + doConvertRgb
                + (centerCrop == null ? "" : ", centerCrop=" + centerCrop) + "]";
    }

    /**
     * HF's defaults for {@code SiglipImageProcessor}: resize to 224x224 bicubic, rescale 1/255,
     * normalise with mean 0.5 and std 0.5 (values in [-1, 1]).
     *
     * @return the default config
     */
    public static SiglipImageProcessorConfig defaults() {
        return new SiglipImageProcessorConfig(true, 224, 224, PillowResample.BICUBIC, true, 1 / 255.0, true,
                new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5}, null);
    }

    /**
     * Returns this config with another target size (like HF's {@code size=} call argument).
     *
     * @param newHeight target height
     * @param newWidth target width
     * @return a new config
     */
    public SiglipImageProcessorConfig withSize(int newHeight, int newWidth) {
        return new SiglipImageProcessorConfig(doResize, newHeight, newWidth, resample, doRescale, rescaleFactor,
                doNormalize, imageMean, imageStd, doConvertRgb, centerCrop);
    }

    /**
     * Returns this config with a resize-then-centre-crop in place of the plain resize.
     *
     * @param step the step, or null for HF's plain resize
     * @return a new config
     */
    public SiglipImageProcessorConfig withCenterCrop(ResizeCenterCrop step) {
        return new SiglipImageProcessorConfig(doResize, height, width, resample, doRescale, rescaleFactor,
                doNormalize, imageMean, imageStd, doConvertRgb, step);
    }

    /**
     * Reads {@code preprocessor_config.json} (a model folder or the file itself).
     *
     * @param path the file, or a folder containing {@code preprocessor_config.json}
     * @return the config
     * @throws SiglipException if the file is missing, not JSON, or has an invalid field
     */
    public static SiglipImageProcessorConfig load(Path path) {
        Path file = ConfigFiles.locate(path, "preprocessor_config.json");
        String text = ConfigFiles.read(file, "preprocessor config");
        JsonElement root = BoundedJson.parse(text, file.toString());
        if (!root.isJsonObject()) {
            throw new SiglipException(file + " must hold a JSON object");
        }
        return fromJson(root.getAsJsonObject(), file.toString());
    }

    /**
     * Builds a config from the JSON object of {@code preprocessor_config.json}.
     *
     * @param json the object
     * @param source a name for error messages
     * @return the config
     */
    public static SiglipImageProcessorConfig fromJson(JsonObject json, String source) {
        SiglipImageProcessorConfig d = defaults();
        int height = d.height;
        int width = d.width;
        JsonElement size = json.get("size");
        if (size != null && !size.isJsonNull()) {
            if (!size.isJsonObject()) {
                throw new SiglipException(source + ": \"size\" must be {\"height\": H, \"width\": W} (SigLIP resizes to"
                        + " an exact size), got " + size + "; HF would read a single number as shortest_edge,"
                        + " which SiglipImageProcessor does not support");
            }
            JsonObject s = size.getAsJsonObject();
            if (!s.has("height") || !s.has("width")) {
                throw new SiglipException(source + ": \"size\" must have \"height\" and \"width\", got " + s);
            }
            height = intField(s, "height", source + " size");
            width = intField(s, "width", source + " size");
        }
        int resampleCode = json.has("resample") && !json.get("resample").isJsonNull()
                ? intField(json, "resample", source) : d.resample.pilCode();
        return new SiglipImageProcessorConfig(
                bool(json, "do_resize", d.doResize, source),
                height,
                width,
                PillowResample.fromPilCode(resampleCode),
                bool(json, "do_rescale", d.doRescale, source),
                number(json, "rescale_factor", d.rescaleFactor, source),
                bool(json, "do_normalize", d.doNormalize, source),
                triple(json, "image_mean", d.imageMean, source),
                triple(json, "image_std", d.imageStd, source),
                json.has("do_convert_rgb") && !json.get("do_convert_rgb").isJsonNull()
                        ? bool(json, "do_convert_rgb", true, source) : null,
                json.has(ResizeCenterCrop.JSON_KEY) && !json.get(ResizeCenterCrop.JSON_KEY).isJsonNull()
                        ? ResizeCenterCrop.fromJson(json.get(ResizeCenterCrop.JSON_KEY), source) : null);
    }

    private static int intField(JsonObject o, String key, String source) {
        JsonElement e = o.get(key);
        try {
            double v = e.getAsDouble();
            if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (RuntimeException ex) {
            throw new SiglipException(source + ": \"" + key + "\" must be an integer, got " + e);
        }
    }

    private static boolean bool(JsonObject o, String key, boolean dflt, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            return e.getAsBoolean();
        }
        throw new SiglipException(source + ": \"" + key + "\" must be true or false, got " + e);
    }

    private static double number(JsonObject o, String key, double dflt, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            return e.getAsDouble();
        }
        throw new SiglipException(source + ": \"" + key + "\" must be a number, got " + e);
    }

    private static double[] triple(JsonObject o, String key, double[] dflt, String source) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            return dflt;
        }
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double v = e.getAsDouble(); // HF broadcasts a single value to every channel
            return new double[] {v, v, v};
        }
        if (e.isJsonArray() && e.getAsJsonArray().size() == 3) {
            JsonArray a = e.getAsJsonArray();
            double[] v = new double[3];
            for (int i = 0; i < 3; i++) {
                if (!a.get(i).isJsonPrimitive() || !a.get(i).getAsJsonPrimitive().isNumber()) {
                    throw new SiglipException(source + ": \"" + key + "\" must hold numbers, got " + e);
                }
                v[i] = a.get(i).getAsDouble();
            }
            return v;
        }
        throw new SiglipException(source + ": \"" + key + "\" must be a number or a list of 3 numbers (RGB), got " + e);
    }
}
