package org.siglip4j.core.checkpoint.format;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.Checkpoint;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.model.SiglipForImageClassification;
import org.siglip4j.core.processing.PillowResample;
import org.siglip4j.core.processing.ResizeCenterCrop;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;

/**
 * timm's layout of a SigLIP image tower ({@code timm/vit_base_patch16_siglip_224.webli},
 * {@code ..._gap_...}, {@code v2_webli}): {@code config.json} with {@code architecture},
 * {@code model_args}, {@code num_classes}, {@code global_pool} and {@code pretrained_cfg}, and
 * {@code model.safetensors} with timm's names. Read as an image-only model: HF
 * {@code SiglipVisionModel}, or {@code SiglipForImageClassification} when a {@code gap} tower has a
 * classifier (timm's {@code head} on the token mean is exactly HF's {@code classifier}). A MAP tower's
 * classifier sits on the attention-pooled token, which HF's classification model does not use, so
 * it is skipped (and reported) and the tower is loaded for embeddings and new classification heads.
 *
 * <p>Preprocessing: timm's own eval transform for {@code pretrained_cfg} (see
 * {@link #preprocessing(JsonObject, int, String)}), as a {@link ResizeCenterCrop}.
 */
public final class TimmFormat {
    /** timm's config file (the same name as HF's, told apart by its {@code architecture} key). */
    public static final String CONFIG = "config.json";

    private TimmFormat() {}

    /** Whether {@code dir} holds a timm config. */
    public static boolean matches(Path dir) {
        if (!Files.isRegularFile(dir.resolve(CONFIG))) {
            return false;
        }
        try {
            JsonObject o = OpenClipFormat.readJson(dir.resolve(CONFIG));
            return o.has("architecture") && !o.has("model_type");
        } catch (SiglipException e) {
            return false;
        }
    }

    /**
     * Reads a timm folder as an HF SigLIP image tower.
     *
     * @param dir the folder
     * @return the checkpoint
     */
    public static ForeignCheckpoint read(Path dir) {
        Path file = dir.resolve(CONFIG);
        JsonObject cfg = OpenClipFormat.readJson(file);
        JsonObject args = cfg.has("model_args") && cfg.get("model_args").isJsonObject()
                ? cfg.getAsJsonObject("model_args") : null;
        String pool = OpenClipFormat.str(cfg, "global_pool", null);
        TimmVisionTransformer tower = TimmVisionTransformer.of(cfg.get("architecture").getAsString(), args,
                pool == null || pool.isEmpty() ? null : pool);
        int classes = OpenClipFormat.intOr(cfg, "num_classes", 0);
        TensorPlan plan = TensorLink.toHf(TimmVisionTransformer.links("", tower.depth(), tower.mapHead()));
        SiglipConfig config = SiglipConfig.of(SiglipTextConfig.defaults(), tower.visionConfig());
        String architecture = "SiglipVisionModel";
        if (classes > 0) {
            plan.copy("classifier.weight", "head.weight").copy("classifier.bias", "head.bias");
            if (tower.mapHead()) {
                // timm's head reads the MAP-pooled token, not the token mean HF's classifier reads
                SiglipVisionConfig v = config.visionConfig();
                JsonObject extra = v.extra().deepCopy();
                extra.addProperty(SiglipForImageClassification.CLASSIFIER_POOLING, "map");
                config = SiglipConfig.of(config.textConfig(), new SiglipVisionConfig(v.hiddenSize(),
                        v.intermediateSize(), v.numHiddenLayers(), v.numAttentionHeads(), v.numChannels(),
                        v.imageSize(), v.patchSize(), v.hiddenAct(), v.layerNormEps(), v.attentionDropout(),
                        v.visionUseHead(), extra));
            }
            config = config.withId2label(labels(cfg, classes));
            architecture = "SiglipForImageClassification";
        }
        Path weights = dir.resolve(Checkpoint.SINGLE);
        if (!Files.isRegularFile(weights)) {
            throw new SiglipException(dir + ": timm folder without " + Checkpoint.SINGLE
                    + " (pickled pytorch_model.bin weights are not read, for safety)");
        }
        return new ForeignCheckpoint("timm", dir, config, architecture, plan, () -> TensorSource.safetensors(weights),
                preprocessing(cfg, tower), null, null);
    }

    private static Map<Integer, String> labels(JsonObject cfg, int classes) {
        Map<Integer, String> m = new LinkedHashMap<>();
        JsonArray names = cfg.has("label_names") && cfg.get("label_names").isJsonArray()
                ? cfg.getAsJsonArray("label_names") : null;
        for (int i = 0; i < classes; i++) {
            m.put(i, names != null && i < names.size() ? names.get(i).getAsString() : "LABEL_" + i);
        }
        return m;
    }

    private static SiglipImageProcessorConfig preprocessing(JsonObject cfg, TimmVisionTransformer tower) {
        JsonObject p = cfg.has("pretrained_cfg") && cfg.get("pretrained_cfg").isJsonObject()
                ? cfg.getAsJsonObject("pretrained_cfg") : new JsonObject();
        return preprocessing(p, tower.imageSize(), cfg.has("pretrained_cfg") ? "pretrained_cfg" : CONFIG);
    }

    /**
     * timm's eval transform, {@code create_transform(**resolve_data_config(pretrained_cfg=p))}:
     * {@code input_size}, {@code interpolation} (bicubic by default), {@code mean}/{@code std} (ImageNet's
     * by default),
     * {@code crop_pct} (0.875 by default) and {@code crop_mode} ({@code center} by default). The
     * image is resized to {@code floor(size / crop_pct)} and its centre cropped to the input size:
     * {@code center} keeps the aspect ratio (shorter side to the scale size; a non-square scale size
     * goes through timm's {@code ResizeKeepRatio}, which timm builds without the configured
     * interpolation, so bilinear), {@code squash} does not, {@code border} fits the longer side and
     * pads with {@code round(255 * mean)}.
     *
     * @param p the {@code pretrained_cfg} object
     * @param imageSize the tower's image size, when {@code input_size} is absent
     * @param where a name for error messages
     */
    static SiglipImageProcessorConfig preprocessing(JsonObject p, int imageSize, String where) {
        int h = imageSize;
        int w = imageSize;
        if (p.has("input_size")) {
            List<Integer> s = p.getAsJsonArray("input_size").asList().stream().map(e -> e.getAsInt()).toList();
            h = s.get(1);
            w = s.get(2);
        }
        String interp = OpenClipFormat.str(p, "interpolation", "bicubic");
        PillowResample resample = switch (interp) {
            case "bicubic", "" -> PillowResample.BICUBIC;
            case "bilinear" -> PillowResample.BILINEAR;
            default -> throw new SiglipException(where + ": interpolation '" + interp
                    + "' is not supported (bicubic, bilinear)");
        };
        if (OpenClipFormat.intOr(p, "crop_border_pixels", 0) != 0) {
            throw new SiglipException(where + ": crop_border_pixels is not supported; remove it to keep the border");
        }
        // resolve_data_config's defaults are ImageNet's (timm's SigLIP configs all name 0.5)
        double[] mean = OpenClipFormat.triple(p, "mean", new double[] {0.485, 0.456, 0.406});
        double[] std = OpenClipFormat.triple(p, "std", new double[] {0.229, 0.224, 0.225});
        // resolve_data_config takes `crop_pct or 0.875` and `crop_mode or 'center'`
        double cropPct = p.has("crop_pct") && !p.get("crop_pct").isJsonNull() && p.get("crop_pct").getAsDouble() != 0
                ? p.get("crop_pct").getAsDouble() : 0.875;
        String cropMode = OpenClipFormat.str(p, "crop_mode", "");
        int scaleH = (int) Math.floor(h / cropPct);
        int scaleW = (int) Math.floor(w / cropPct);
        ResizeCenterCrop step = switch (cropMode.isEmpty() ? "center" : cropMode) {
            case "squash" -> new ResizeCenterCrop(ResizeCenterCrop.Mode.SQUASH, scaleH, scaleW, resample, new int[3]);
            case "border" -> new ResizeCenterCrop(ResizeCenterCrop.Mode.KEEP_RATIO_LONGEST, scaleH, scaleW, resample,
                    new int[] {(int) Math.rint(255 * mean[0]), (int) Math.rint(255 * mean[1]),
                        (int) Math.rint(255 * mean[2])});
            case "center" -> scaleH == scaleW
                    ? new ResizeCenterCrop(ResizeCenterCrop.Mode.SHORTEST_EDGE, scaleH, scaleW, resample, new int[3])
                    : new ResizeCenterCrop(ResizeCenterCrop.Mode.KEEP_RATIO_SHORTEST, scaleH, scaleW,
                            PillowResample.BILINEAR, new int[3]);
            default -> throw new SiglipException(where + ": crop_mode '" + cropMode
                    + "' is not one of timm's (center, squash, border)");
        };
        return new SiglipImageProcessorConfig(true, h, w, resample, true, 1 / 255.0, true, mean, std, null, step);
    }
}
