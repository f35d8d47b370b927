package org.siglip4j.core.checkpoint.format;

import ai.djl.Device;
import org.siglip4j.core.io.BoundedJson;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.SafetensorsWriter;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.io.AtomicFiles;
import org.siglip4j.core.processing.PillowResample;
import org.siglip4j.core.processing.ResizeCenterCrop;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;

/**
 * open_clip's layout of a SigLIP, as {@code push_to_hf_hub} writes it ({@code timm/ViT-B-16-SigLIP}
 * and the other {@code timm/ViT-*-SigLIP*} repos): {@value #CONFIG} holding {@code model_cfg} and
 * {@code preprocess_cfg}, weights {@value #WEIGHTS} with open_clip's names, and the tokenizer files
 * its {@code local-dir:} loading reads from the same folder.
 *
 * <p>The model is open_clip's {@code CustomTextCLIP}: image tower {@code visual.trunk.*}, a timm
 * SigLIP ViT ({@link TimmVisionTransformer}, {@code timm_proj: none}); text tower {@code text.*},
 * open_clip's {@code TextTransformer} (fused {@code attn.in_proj_weight}, {@code ln_1}/{@code ln_2},
 * {@code mlp.c_fc}/{@code c_proj}, {@code ln_final}, last-token pooling, no causal mask,
 * {@code text_projection}); scalars {@code logit_scale} and {@code logit_bias}.
 */
public final class OpenClipFormat {
    /** open_clip's text {@code ResidualAttentionBlock} names (torch {@code MultiheadAttention}). */
    private static final TensorLink.LayerNames OPEN_CLIP_LAYER = new TensorLink.LayerNames("ln_1", "ln_2",
            "attn.in_proj_", "attn.out_proj", "mlp.c_fc", "mlp.c_proj");

    /** open_clip's config file. */
    public static final String CONFIG = "open_clip_config.json";
    /** open_clip's weights file. */
    public static final String WEIGHTS = "open_clip_model.safetensors";
    /** open_clip's pickled weights, which siglip4j does not read. */
    static final String PICKLE = "open_clip_pytorch_model.bin";
    /**
     * A key of {@value #CONFIG} siglip4j reads and open_clip ignores: the timm trunk's arguments
     * (timm's {@code model_args}) for a trunk name outside timm's SigLIP family.
     */
    public static final String TIMM_MODEL_ARGS = "timm_model_args";

    private OpenClipFormat() {}

    /** Whether {@code dir} is an open_clip folder. */
    public static boolean matches(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /**
     * Reads an open_clip folder as an HF SigLIP.
     *
     * @param dir the folder
     * @return the checkpoint
     * @throws SiglipException if the config describes a model that is not a SigLIP this library runs
     */
    public static ForeignCheckpoint read(Path dir) {
        return read(dir, null);
    }

    /**
     * Reads an open_clip folder as an HF SigLIP, taking the tokenizer from {@code tokenizerDir} when
     * the folder has no tokenizer files of its own.
     *
     * @param dir the folder
     * @param tokenizerDir a folder holding the tokenizer files of the repo {@code hf_tokenizer_name}
     *     names (see {@link #needsTokenizer}), or null
     * @return the checkpoint
     * @throws SiglipException if the config describes a model that is not a SigLIP this library runs
     */
    public static ForeignCheckpoint read(Path dir, Path tokenizerDir) {
        JsonObject root = readJson(dir.resolve(CONFIG));
        String where = dir.resolve(CONFIG).toString();
        JsonObject model = object(root, "model_cfg", where);
        JsonObject vision = object(model, "vision_cfg", where);
        JsonObject text = object(model, "text_cfg", where);
        if (model.has("quick_gelu") && model.get("quick_gelu").getAsBoolean()) {
            throw new SiglipException(where + ": quick_gelu models are CLIP, not SigLIP");
        }
        if (!vision.has("timm_model_name")) {
            throw new SiglipException(where + ": vision_cfg has no timm_model_name; only open_clip SigLIPs, whose"
                    + " image tower is a timm ViT, can be read");
        }
        String proj = str(vision, "timm_proj", "linear");
        if (!proj.equals("none") && !proj.isEmpty()) {
            throw new SiglipException(where + ": vision_cfg.timm_proj is '" + proj
                    + "'; a SigLIP image tower has no projection after its pooling (timm_proj: none)");
        }
        JsonObject args = root.has(TIMM_MODEL_ARGS) ? root.getAsJsonObject(TIMM_MODEL_ARGS) : null;
        TimmVisionTransformer tower = TimmVisionTransformer.of(vision.get("timm_model_name").getAsString(), args,
                str(vision, "timm_pool", "avg"));
        int embedDim = model.get("embed_dim").getAsInt();
        if (embedDim != tower.embedDim()) {
            throw new SiglipException(where + ": embed_dim " + embedDim + " differs from the image tower's width "
                    + tower.embedDim() + " (" + tower.name() + "); SigLIP's image embedding is the pooled trunk output");
        }
        if (text.has("hf_model_name") && !text.get("hf_model_name").isJsonNull()) {
            throw new SiglipException(where + ": text_cfg.hf_model_name names a Hugging Face text tower; only"
                    + " open_clip's own TextTransformer (SigLIP's) can be read");
        }
        checkText(text, where);
        SiglipTextConfig textConfig = textConfig(text, embedDim);
        SiglipConfig config = SiglipConfig.of(textConfig, tower.visionConfig());

        List<TensorLink> links = new ArrayList<>(TimmVisionTransformer.links("visual.trunk.", tower.depth(),
                tower.mapHead()));
        boolean projBias = bool(text, "proj_bias", false);
        links.addAll(textLinks(textConfig.numHiddenLayers(), projBias));
        TensorPlan plan = TensorLink.toHf(links);
        if (!projBias) {
            // without a bias open_clip's projection is a bare [width, embed] matrix used as x @ P
            plan.map("text_model.head.weight", "text.text_projection", a -> a.transpose());
            plan.map("text_model.head.bias", "text.text_projection", a -> a.getManager().zeros(
                    new ai.djl.ndarray.types.Shape(a.getShape().get(1))));
        }
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new SiglipException(dir + ": open_clip folder without " + WEIGHTS
                    + (Files.isRegularFile(dir.resolve(PICKLE)) ? " (only " + PICKLE
                            + " is there: pickled weights are not read, for safety; re-save as safetensors)" : ""));
        }
        int context = intOr(text, "context_length", 77);
        return new ForeignCheckpoint("open_clip", dir, config, "SiglipModel", plan,
                () -> TensorSource.safetensors(weights), preprocessing(root, vision, where),
                hasTokenizer(dir) || tokenizerDir == null ? dir : tokenizerDir, context);
    }

    /** Whether {@code dir} holds tokenizer files ({@code spiece.model} or {@code tokenizer.json}). */
    static boolean hasTokenizer(Path dir) {
        return Files.isRegularFile(dir.resolve("spiece.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"));
    }

    /**
     * The hub repo an open_clip folder without tokenizer files takes its tokenizer from: its
     * {@code text_cfg.hf_tokenizer_name} (what open_clip's {@code hf-hub:} loading reads the
     * tokenizer from). Null when the folder is not open_clip's, has tokenizer files, or names none.
     *
     * @param dir a model folder
     * @return the hub id, or null
     */
    public static String needsTokenizer(Path dir) {
        if (!matches(dir) || hasTokenizer(dir)) {
            return null;
        }
        JsonObject root = readJson(dir.resolve(CONFIG));
        JsonObject model = root.has("model_cfg") && root.get("model_cfg").isJsonObject()
                ? root.getAsJsonObject("model_cfg") : new JsonObject();
        JsonObject text = model.has("text_cfg") && model.get("text_cfg").isJsonObject()
                ? model.getAsJsonObject("text_cfg") : new JsonObject();
        String name = str(text, "hf_tokenizer_name", "");
        return name.isBlank() ? null : name.strip();
    }

    private static void checkText(JsonObject text, String where) {
        String pool = str(text, "pool_type", "argmax");
        if (!pool.equals("last")) {
            throw new SiglipException(where + ": text_cfg.pool_type is '" + pool + "'; SigLIP pools the last token");
        }
        if (!bool(text, "no_causal_mask", false)) {
            throw new SiglipException(where + ": text_cfg has a causal mask (no_causal_mask is not true); SigLIP's"
                    + " text tower attends both ways");
        }
        if (bool(text, "embed_cls", false) || !str(text, "proj_type", "linear").equals("linear")
                || text.has("ls_init_value") && !text.get("ls_init_value").isJsonNull()) {
            throw new SiglipException(where + ": text_cfg uses embed_cls, layer scale or a non-linear projection,"
                    + " which SigLIP's text tower does not have");
        }
    }

    private static SiglipTextConfig textConfig(JsonObject text, int embedDim) {
        int width = intOr(text, "width", 512);
        double ratio = text.has("mlp_ratio") ? text.get("mlp_ratio").getAsDouble() : 4.0;
        JsonObject act = text.has("act_kwargs") && text.get("act_kwargs").isJsonObject()
                ? text.getAsJsonObject("act_kwargs") : new JsonObject();
        // open_clip's GELU is exact unless act_kwargs ask for the tanh form (SigLIP 2 configs do)
        String hiddenAct = "tanh".equals(str(act, "approximate", "none")) ? "gelu_pytorch_tanh" : "gelu";
        JsonObject norm = text.has("norm_kwargs") && text.get("norm_kwargs").isJsonObject()
                ? text.getAsJsonObject("norm_kwargs") : new JsonObject();
        double eps = norm.has("eps") ? norm.get("eps").getAsDouble() : 1e-5; // torch's LayerNorm default
        SiglipTextConfig d = SiglipTextConfig.defaults();
        return new SiglipTextConfig(intOr(text, "vocab_size", 49408), width, (int) (width * ratio),
                intOr(text, "layers", 12), intOr(text, "heads", 8), intOr(text, "context_length", 77), hiddenAct, eps,
                0.0, d.padTokenId(), d.bosTokenId(), d.eosTokenId(), embedDim, null);
    }

    /** The text tower's and the logit scalars' correspondences. */
    static List<TensorLink> textLinks(int layers, boolean projBias) {
        List<TensorLink> l = new ArrayList<>();
        l.add(TensorLink.same("text_model.embeddings.token_embedding.weight", "text.token_embedding.weight"));
        l.add(TensorLink.same("text_model.embeddings.position_embedding.weight", "text.positional_embedding"));
        for (int i = 0; i < layers; i++) {
            l.addAll(TensorLink.encoderLayer("text_model.encoder.layers." + i + ".",
                    "text.transformer.resblocks." + i + ".", OPEN_CLIP_LAYER));
        }
        for (String p : List.of("weight", "bias")) {
            l.add(TensorLink.same("text_model.final_layer_norm." + p, "text.ln_final." + p));
            if (projBias) {
                l.add(TensorLink.same("text_model.head." + p, "text.text_projection." + p));
            }
        }
        l.add(new TensorLink(List.of("logit_scale"), List.of("logit_scale"), TensorLink.Kind.SCALAR));
        l.add(new TensorLink(List.of("logit_bias"), List.of("logit_bias"), TensorLink.Kind.SCALAR));
        return l;
    }

    /** open_clip's eval transform for this config, as HF's processor settings. */
    private static SiglipImageProcessorConfig preprocessing(JsonObject root, JsonObject vision, String where) {
        JsonObject pre = root.has("preprocess_cfg") && root.get("preprocess_cfg").isJsonObject()
                ? root.getAsJsonObject("preprocess_cfg") : new JsonObject();
        // open_clip sizes the transform by the image tower (create_model sets preprocess size to it)
        return preprocessing(pre, intOr(vision, "image_size", 224), where);
    }

    /**
     * open_clip 3.3.0's {@code image_transform(is_train=False)} for a square {@code size}:
     * {@code resize_mode} {@code squash} resizes to the size, {@code shortest} (open_clip's default)
     * resizes the shorter side to it (torchvision's {@code Resize(int)}) and crops the centre,
     * {@code longest} fits the longer side ({@code ResizeKeepRatio(longest=1)}) and pads with
     * {@code fill_color}; {@code interpolation} bicubic (also for {@code random}) or bilinear;
     * {@code mean}/{@code std}, OpenAI's when absent.
     *
     * @param pre the {@code preprocess_cfg} object
     * @param size the image tower's size
     * @param where a name for error messages
     */
    static SiglipImageProcessorConfig preprocessing(JsonObject pre, int size, String where) {
        String mode = str(pre, "resize_mode", "shortest");
        String interp = str(pre, "interpolation", "bicubic").toLowerCase(Locale.ROOT);
        PillowResample resample = switch (interp) {
            case "bicubic", "random" -> PillowResample.BICUBIC;
            case "bilinear" -> PillowResample.BILINEAR;
            default -> throw new SiglipException(where + ": preprocess_cfg.interpolation '" + interp
                    + "' is not supported (bicubic, bilinear)");
        };
        int fill = intOr(pre, "fill_color", 0);
        ResizeCenterCrop step = switch (mode) {
            case "squash" -> null;
            case "shortest" -> new ResizeCenterCrop(ResizeCenterCrop.Mode.SHORTEST_EDGE, size, size, resample,
                    new int[3]);
            case "longest" -> new ResizeCenterCrop(ResizeCenterCrop.Mode.KEEP_RATIO_LONGEST, size, size, resample,
                    new int[] {fill, fill, fill});
            default -> throw new SiglipException(where + ": preprocess_cfg.resize_mode '" + mode
                    + "' is not one of open_clip's (shortest, longest, squash)");
        };
        double[] mean = triple(pre, "mean", new double[] {0.48145466, 0.4578275, 0.40821073});
        double[] std = triple(pre, "std", new double[] {0.26862954, 0.26130258, 0.27577711});
        return new SiglipImageProcessorConfig(true, size, size, resample, true, 1 / 255.0, true, mean, std, null,
                step);
    }

    /**
     * Writes an HF SigLIP folder in open_clip's layout: {@value #CONFIG}, {@value #WEIGHTS} and the
     * tokenizer files. The image tower is described by timm arguments ({@value #TIMM_MODEL_ARGS})
     * and, when the shape is one of timm's SigLIP towers, its timm name.
     *
     * @param hfDir an HF SigLIP folder (any layout {@link CheckpointFormats} reads, already as HF)
     * @param out destination folder (created)
     * @param tokenizerName {@code hf_tokenizer_name}: the hub repo open_clip takes the tokenizer from
     *     when the folder is loaded as {@code hf-hub:}; with {@code local-dir:} the folder's own files
     *     are used (open_clip falls back to its CLIP tokenizer when the name is empty)
     */
    public static void write(Path hfDir, Path out, String tokenizerName) {
        SiglipConfig config = SiglipConfig.load(hfDir);
        SiglipVisionConfig v = config.visionConfig();
        SiglipTextConfig t = config.textConfig();
        if (t.projectionSize() != v.hiddenSize()) {
            throw new SiglipException(hfDir + ": text projection size " + t.projectionSize()
                    + " differs from the image width " + v.hiddenSize() + "; open_clip needs one embed_dim");
        }
        JsonObject vision = new JsonObject();
        vision.addProperty("image_size", v.imageSize());
        vision.addProperty("timm_model_name", timmName(v));
        vision.addProperty("timm_model_pretrained", false);
        vision.addProperty("timm_pool", v.visionUseHead() ? "map" : "avg");
        vision.addProperty("timm_proj", "none");
        JsonObject text = new JsonObject();
        int context = t.maxPositionEmbeddings();
        text.addProperty("context_length", context);
        text.addProperty("vocab_size", t.vocabSize());
        text.addProperty("hf_tokenizer_name", tokenizerName);
        JsonObject clean = new JsonObject();
        clean.addProperty("clean", "canonicalize");
        text.add("tokenizer_kwargs", clean);
        text.addProperty("width", t.hiddenSize());
        text.addProperty("heads", t.numAttentionHeads());
        text.addProperty("layers", t.numHiddenLayers());
        text.addProperty("mlp_ratio", t.intermediateSize() / (double) t.hiddenSize());
        text.addProperty("no_causal_mask", true);
        text.addProperty("proj_bias", true);
        text.addProperty("pool_type", "last");
        JsonObject norm = new JsonObject();
        norm.addProperty("eps", t.layerNormEps());
        text.add("norm_kwargs", norm);
        if (!t.hiddenAct().equals("gelu")) {
            JsonObject act = new JsonObject();
            act.addProperty("approximate", "tanh");
            text.add("act_kwargs", act);
        }
        JsonObject model = new JsonObject();
        model.addProperty("embed_dim", v.hiddenSize());
        model.addProperty("init_logit_bias", -10);
        model.addProperty("custom_text", true);
        model.add("vision_cfg", vision);
        model.add("text_cfg", text);
        JsonObject root = new JsonObject();
        root.add("model_cfg", model);
        root.add("preprocess_cfg", preprocessCfg(hfDir));
        root.add(TIMM_MODEL_ARGS, TimmVisionTransformer.modelArgs(v));
        try {
            Files.createDirectories(out);
            List<TensorLink> links = new ArrayList<>(TimmVisionTransformer.links("visual.trunk.",
                    v.numHiddenLayers(), v.visionUseHead()));
            links.addAll(textLinks(t.numHiddenLayers(), true));
            TensorPlan plan = TensorLink.fromHf(links);
            try (TensorSource src = TensorSource.huggingFace(hfDir);
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                plan.check(src.names(), src.source().toString(), "Hugging Face SigLIP layout for this config");
                Map<String, NDArray> arrays = plan.apply(src, m);
                SafetensorsWriter.write(out.resolve(WEIGHTS), arrays);
            }
            AtomicFiles.write(out.resolve(CONFIG), ForeignCheckpoint.json(root));
            ForeignCheckpoint.copyTokenizer(hfDir, out, null);
        } catch (IOException e) {
            throw new SiglipException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** timm's name for this shape when it is one of timm's SigLIP towers, else a descriptive one. */
    static String timmName(SiglipVisionConfig v) {
        String size = switch (v.hiddenSize() + "/" + v.numHiddenLayers() + "/" + v.numAttentionHeads()) {
            case "768/12/12" -> "base";
            case "1024/24/16" -> "large";
            case "1152/27/16" -> "so400m";
            case "1536/40/16" -> "giantopt";
            default -> "custom";
        };
        return "vit_" + size + "_patch" + v.patchSize() + "_siglip_" + (v.visionUseHead() ? "" : "gap_")
                + v.imageSize();
    }

    private static JsonObject preprocessCfg(Path hfDir) {
        SiglipImageProcessorConfig p = Files.isRegularFile(hfDir.resolve("preprocessor_config.json"))
                ? SiglipImageProcessorConfig.load(hfDir) : SiglipImageProcessorConfig.defaults();
        if (Math.abs(p.rescaleFactor() - 1 / 255.0) > 1e-12 || !p.doResize() || !p.doNormalize() || !p.doRescale()) {
            throw new SiglipException(hfDir + ": preprocessor_config.json does not resize, rescale by 1/255 and"
                    + " normalise; open_clip's transform always does");
        }
        JsonObject o = new JsonObject();
        o.add("mean", ForeignCheckpoint.array(p.imageMean()));
        o.add("std", ForeignCheckpoint.array(p.imageStd()));
        o.addProperty("interpolation", p.resample() == PillowResample.BICUBIC ? "bicubic" : "bilinear");
        o.addProperty("resize_mode", resizeMode(p, hfDir));
        if (p.centerCrop() != null && p.centerCrop().mode() == ResizeCenterCrop.Mode.KEEP_RATIO_LONGEST) {
            o.addProperty("fill_color", p.centerCrop().fill()[0]);
        }
        return o;
    }

    /** open_clip's resize_mode for a processor config; refuses what open_clip's transform cannot express. */
    private static String resizeMode(SiglipImageProcessorConfig p, Path hfDir) {
        ResizeCenterCrop c = p.centerCrop();
        if (c == null) {
            return "squash";
        }
        int[] f = c.fill();
        boolean square = p.height() == p.width() && c.height() == p.height() && c.width() == p.width();
        if (square && c.resample() == p.resample() && c.mode() == ResizeCenterCrop.Mode.SHORTEST_EDGE
                && f[0] == 0 && f[1] == 0 && f[2] == 0) {
            return "shortest";
        }
        if (square && c.resample() == p.resample() && c.mode() == ResizeCenterCrop.Mode.KEEP_RATIO_LONGEST
                && f[0] == f[1] && f[1] == f[2]) {
            return "longest";
        }
        throw new SiglipException(hfDir + ": its preprocessing (" + c + " to " + p.height() + "x" + p.width()
                + ") is none of open_clip's resize modes (squash, shortest, longest)");
    }

    // ---- small JSON helpers

    static JsonObject readJson(Path file) {
        try {
            JsonElement e = BoundedJson.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
            if (!e.isJsonObject()) {
                throw new SiglipException(file + " must hold a JSON object");
            }
            return e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new SiglipException(file + " not found");
        } catch (IOException | JsonParseException e) {
            throw new SiglipException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static JsonObject object(JsonObject o, String key, String where) {
        if (!o.has(key) || !o.get(key).isJsonObject()) {
            throw new SiglipException(where + ": \"" + key + "\" (an object) is missing");
        }
        return o.getAsJsonObject(key);
    }

    static String str(JsonObject o, String key, String dflt) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : dflt;
    }

    static int intOr(JsonObject o, String key, int dflt) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsInt() : dflt;
    }

    static boolean bool(JsonObject o, String key, boolean dflt) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsBoolean() : dflt;
    }

    static double[] triple(JsonObject o, String key, double[] dflt) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return dflt;
        }
        var a = o.getAsJsonArray(key);
        return new double[] {a.get(0).getAsDouble(), a.get(1).getAsDouble(), a.get(2).getAsDouble()};
    }
}
