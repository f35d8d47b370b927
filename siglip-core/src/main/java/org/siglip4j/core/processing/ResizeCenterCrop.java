package org.siglip4j.core.processing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Locale;
import org.siglip4j.core.SiglipException;

/**
 * The geometry of the eval transforms timm ({@code transforms_imagenet_eval}) and open_clip
 * ({@code image_transform}) build from torchvision on PIL images: a resize that may keep the aspect
 * ratio, then a centre crop to the processor's {@code height x width}, padding first where the
 * resized image is smaller. HF's {@code SiglipImageProcessor} has no such step; it resizes to the
 * output size directly.
 *
 * <p>Every size is computed as those libraries compute it: torchvision's {@code Resize(int)} gives
 * the shorter side {@code height} and the longer one {@code int(height * long / short)};
 * {@code ResizeKeepRatio} divides both sides by one ratio and rounds half to even (Python's
 * {@code round}); {@code CenterCrop} pads {@code (crop - size) // 2} before and the rest after, then
 * starts the crop at {@code round((size - crop) / 2.0)}. The resize itself is Pillow's (torchvision
 * resizes PIL images with {@code Image.resize}), i.e. {@link PillowResize}.
 *
 * @param mode how the resized size follows from the image size
 * @param height the resize target's height (for {@link Mode#SHORTEST_EDGE} the shorter side)
 * @param width the resize target's width (ignored by {@link Mode#SHORTEST_EDGE})
 * @param resample the filter of this resize: timm's non-square {@code ResizeKeepRatio} is built
 *     without the configured interpolation and resizes bilinearly
 * @param fill the padding value per channel (torchvision's {@code CenterCrop} pads with 0; timm's
 *     {@code border} mode with {@code round(255 * mean)}, open_clip's {@code longest} with
 *     {@code fill_color})
 */
public record ResizeCenterCrop(Mode mode, int height, int width, PillowResample resample, int[] fill) {
    /** Key of {@code preprocessor_config.json} under which siglip4j stores this step (HF's readers ignore it). */
    public static final String JSON_KEY = "siglip4j_resize_center_crop";

    /** How the size of the resized image is chosen. */
    public enum Mode {
        /** torchvision's {@code Resize((height, width))}: the aspect ratio is not kept. */
        SQUASH,
        /** torchvision's {@code Resize(height)}: shorter side to {@code height}, the longer one truncated. */
        SHORTEST_EDGE,
        /** timm / open_clip {@code ResizeKeepRatio(longest=0)}: the image covers the target box. */
        KEEP_RATIO_SHORTEST,
        /** timm / open_clip {@code ResizeKeepRatio(longest=1)}: the image fits inside the target box. */
        KEEP_RATIO_LONGEST;

        String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Validates sizes and the fill. */
    public ResizeCenterCrop {
        if (mode == null || resample == null) {
            throw new SiglipException("resize-and-centre-crop needs a mode and a resample filter");
        }
        if (height <= 0 || width <= 0 || (long) height * width > ImageLoader.MAX_PIXELS) {
            throw new SiglipException("resize-and-centre-crop target must be positive and at most "
                    + ImageLoader.MAX_PIXELS + " pixels, got " + height + "x" + width);
        }
        if (fill == null || fill.length != 3 || Arrays.stream(fill).anyMatch(v -> v < 0 || v > 255)) {
            throw new SiglipException("resize-and-centre-crop fill needs 3 values in 0..255, got "
                    + Arrays.toString(fill));
        }
        fill = fill.clone();
    }

    /** @return a copy of the per-channel padding value */
    @Override
    public int[] fill() {
        return fill.clone();
    }

    /**
     * Resizes {@code image} as the mode says and crops (or pads and crops) its centre.
     *
     * @param image RGB pixels
     * @param cropHeight output height
     * @param cropWidth output width
     * @return the {@code cropWidth x cropHeight} image
     */
    public RgbImage apply(RgbImage image, int cropHeight, int cropWidth) {
        int[] hw = resizedSize(image.height(), image.width());
        RgbImage resized = hw[0] == image.height() && hw[1] == image.width()
                ? image : PillowResize.resize(image, hw[1], hw[0], resample);
        return centerCrop(resized, cropHeight, cropWidth);
    }

    /** The {@code [height, width]} the image is resized to. */
    int[] resizedSize(int h, int w) {
        switch (mode) {
            case SQUASH:
                return new int[] {height, width};
            case SHORTEST_EDGE: {
                int shorter = Math.min(h, w);
                int longer = Math.max(h, w);
                // torchvision: int(size * long / short), a true division truncated
                int newLong = (int) ((double) ((long) height * longer) / shorter);
                return w <= h ? new int[] {newLong, height} : new int[] {height, newLong};
            }
            default: {
                double rh = (double) h / height;
                double rw = (double) w / width;
                double ratio = mode == Mode.KEEP_RATIO_LONGEST ? Math.max(rh, rw) : Math.min(rh, rw);
                // Python's round(): half to even, as Math.rint; at least one pixel
                return new int[] {(int) Math.max(1, Math.rint(h / ratio)), (int) Math.max(1, Math.rint(w / ratio))};
            }
        }
    }

    /** torchvision's {@code center_crop} (and timm / open_clip's {@code center_crop_or_pad}) on PIL images. */
    RgbImage centerCrop(RgbImage image, int cropHeight, int cropWidth) {
        int h = image.height();
        int w = image.width();
        int padLeft = cropWidth > w ? (cropWidth - w) / 2 : 0;
        int padTop = cropHeight > h ? (cropHeight - h) / 2 : 0;
        int ph = Math.max(h, cropHeight);
        int pw = Math.max(w, cropWidth);
        int top = (int) Math.rint((ph - cropHeight) / 2.0);
        int left = (int) Math.rint((pw - cropWidth) / 2.0);
        byte[] src = image.rgb();
        byte[] out = new byte[cropHeight * cropWidth * 3];
        for (int y = 0; y < cropHeight; y++) {
            int sy = y + top - padTop; // row in the unpadded image
            for (int x = 0; x < cropWidth; x++) {
                int sx = x + left - padLeft;
                int o = (y * cropWidth + x) * 3;
                if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
                    System.arraycopy(src, (sy * w + sx) * 3, out, o, 3);
                } else {
                    out[o] = (byte) fill[0];
                    out[o + 1] = (byte) fill[1];
                    out[o + 2] = (byte) fill[2];
                }
            }
        }
        return new RgbImage(cropWidth, cropHeight, out);
    }

    /** @return this step as stored under {@link #JSON_KEY} */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("mode", mode.jsonName());
        o.addProperty("height", height);
        o.addProperty("width", width);
        o.addProperty("resample", resample.pilCode());
        JsonArray f = new JsonArray();
        for (int v : fill) {
            f.add(v);
        }
        o.add("fill", f);
        return o;
    }

    /**
     * Reads the object stored under {@link #JSON_KEY}.
     *
     * @param e the JSON value
     * @param source a name for error messages
     * @return the step
     */
    public static ResizeCenterCrop fromJson(JsonElement e, String source) {
        try {
            JsonObject o = e.getAsJsonObject();
            String m = o.get("mode").getAsString();
            Mode mode = Arrays.stream(Mode.values()).filter(x -> x.jsonName().equals(m)).findFirst()
                    .orElseThrow(() -> new SiglipException(source + ": " + JSON_KEY + ".mode '" + m
                            + "' is not one of " + Arrays.stream(Mode.values()).map(Mode::jsonName).toList()));
            JsonArray f = o.getAsJsonArray("fill");
            int[] fill = {f.get(0).getAsInt(), f.get(1).getAsInt(), f.get(2).getAsInt()};
            return new ResizeCenterCrop(mode, o.get("height").getAsInt(), o.get("width").getAsInt(),
                    PillowResample.fromPilCode(o.get("resample").getAsInt()), fill);
        } catch (RuntimeException ex) {
            if (ex instanceof SiglipException s) {
                throw s;
            }
            throw new SiglipException(source + ": " + JSON_KEY + " must be {\"mode\", \"height\", \"width\", "
                    + "\"resample\", \"fill\": [r, g, b]}, got " + e);
        }
    }

    /** Compares by value, the fill included. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ResizeCenterCrop c && mode == c.mode && height == c.height && width == c.width
                && resample == c.resample && Arrays.equals(fill, c.fill);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(mode, height, width, resample, Arrays.hashCode(fill));
    }

    @Override
    public String toString() {
        return "ResizeCenterCrop[mode=" + mode + ", height=" + height + ", width=" + width + ", resample=" + resample
                + ", fill=" + Arrays.toString(fill) + "]";
    }
}
