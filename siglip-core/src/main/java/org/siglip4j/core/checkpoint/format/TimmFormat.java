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
import org.siglip4j.core.processing.PillowResample;
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
 * <p>Preprocessing: the image is resized to {@code pretrained_cfg.input_size} with
 * {@code interpolation}, {@code mean} and {@code std}, as HF's SigLIP processor does; timm's own
 * eval transform first resizes the short side to {@code size / crop_pct} and crops the centre,
 * which is the same only for square images at {@code crop_pct} 1.
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
        if (classes > 0 && !tower.mapHead()) {
            plan.copy("classifier.weight", "head.weight").copy("classifier.bias", "head.bias");
            config = config.withId2label(labels(cfg, classes));
            architecture = "SiglipForImageClassification";
        } else if (classes > 0) {
            plan.ignore("head.weight").ignore("head.bias");
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
        int h = tower.imageSize();
        int w = tower.imageSize();
        if (p.has("input_size")) {
            List<Integer> s = p.getAsJsonArray("input_size").asList().stream().map(e -> e.getAsInt()).toList();
            h = s.get(1);
            w = s.get(2);
        }
        String interp = OpenClipFormat.str(p, "interpolation", "bicubic");
        PillowResample resample = interp.equals("bilinear") ? PillowResample.BILINEAR : PillowResample.BICUBIC;
        // timm's SigLIP configs use the inception statistics (0.5), its own default
        double[] half = {0.5, 0.5, 0.5};
        return new SiglipImageProcessorConfig(true, h, w, resample, true, 1 / 255.0, true,
                OpenClipFormat.triple(p, "mean", half), OpenClipFormat.triple(p, "std", half), null);
    }
}
