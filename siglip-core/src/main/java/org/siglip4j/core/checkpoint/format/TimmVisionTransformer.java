package org.siglip4j.core.checkpoint.format;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipVisionConfig;

/**
 * timm's SigLIP image tower ({@code timm.models.vision_transformer.VisionTransformer} as
 * {@code vit_base_patch16_siglip_224} and kin build it: no class token, pre-norm blocks with a fused
 * {@code qkv}, a final {@code norm}, then either the MAP head {@code attn_pool}
 * ({@code AttentionPoolLatent}) or, for the {@code _gap_} variants, the mean over tokens) as
 * Hugging Face's {@code SiglipVisionTransformer}.
 *
 * <p>The shape comes from the timm model name ({@code vit_{base,large,so400m,giantopt}_patch{P}_siglip[_gap]_{size}},
 * the arguments timm's own definitions pass) overridden by {@code model_args}, as timm's
 * {@code create_model(name, **model_args)} does. timm's blocks use exact GELU (only giantopt
 * passes {@code act_layer='gelu_tanh'}), so the HF config says {@code gelu}, not big_vision's tanh
 * approximation.
 *
 * @param name the timm model name
 * @param embedDim width D
 * @param depth blocks
 * @param numHeads attention heads
 * @param mlpHidden MLP width ({@code int(D * mlp_ratio)})
 * @param patchSize patch side
 * @param imageSize input side
 * @param mapHead MAP pooling head ({@code global_pool='map'}) rather than the token mean ({@code 'avg'})
 * @param act HF name of the MLP activation
 */
public record TimmVisionTransformer(String name, int embedDim, int depth, int numHeads, int mlpHidden, int patchSize,
        int imageSize, boolean mapHead, String act) {
    /** timm's ViT {@code Block} names. */
    private static final TensorLink.LayerNames TIMM_BLOCK = new TensorLink.LayerNames("norm1", "norm2",
            "attn.qkv.", "attn.proj", "mlp.fc1", "mlp.fc2");

    private static final Pattern NAME = Pattern.compile("vit_(base|large|so400m|giantopt)_patch(\\d+)_siglip_(gap_)?(\\d+)");
    /** width, depth, heads, mlp ratio of timm's SigLIP sizes (timm/models/vision_transformer.py). */
    private static final Map<String, double[]> SIZES = Map.of(
            "base", new double[] {768, 12, 12, 4.0},
            "large", new double[] {1024, 24, 16, 4.0},
            "so400m", new double[] {1152, 27, 16, 3.7362},
            "giantopt", new double[] {1536, 40, 16, 4.0});

    /**
     * The tower timm builds for {@code name} with {@code modelArgs}.
     *
     * @param name timm model name
     * @param modelArgs timm {@code model_args} (may be null)
     * @param globalPool the pooling asked for ({@code map}, {@code avg}) or null for the name's own
     * @return the tower
     */
    public static TimmVisionTransformer of(String name, JsonObject modelArgs, String globalPool) {
        JsonObject args = modelArgs == null ? new JsonObject() : modelArgs;
        Matcher m = NAME.matcher(name == null ? "" : name);
        boolean known = m.matches();
        double[] size = known ? SIZES.get(m.group(1)) : null;
        for (String required : List.of("embed_dim", "depth", "num_heads", "patch_size", "img_size")) {
            if (!known && !args.has(required)) {
                throw new SiglipException("unknown timm model '" + name + "': siglip4j knows timm's SigLIP towers "
                        + "vit_{base,large,so400m,giantopt}_patch{P}_siglip[_gap]_{size}; for another name give its "
                        + "model_args (embed_dim, depth, num_heads, mlp_ratio, patch_size, img_size); '" + required
                        + "' is missing");
            }
        }
        int dim = args.has("embed_dim") ? args.get("embed_dim").getAsInt() : (int) size[0];
        int depth = args.has("depth") ? args.get("depth").getAsInt() : (int) size[1];
        int heads = args.has("num_heads") ? args.get("num_heads").getAsInt() : (int) size[2];
        double ratio = args.has("mlp_ratio") ? args.get("mlp_ratio").getAsDouble() : known ? size[3] : 4.0;
        int patch = args.has("patch_size") ? args.get("patch_size").getAsInt() : Integer.parseInt(m.group(2));
        int image = args.has("img_size") ? imageSide(args.get("img_size")) : Integer.parseInt(m.group(4));
        String pool = globalPool != null ? globalPool
                : args.has("global_pool") ? args.get("global_pool").getAsString()
                : known && m.group(3) != null ? "avg" : "map";
        if (args.has("class_token") && args.get("class_token").getAsBoolean()) {
            throw new SiglipException("timm model '" + name + "' has a class token; SigLIP towers have none");
        }
        if (!pool.equals("map") && !pool.equals("avg")) {
            throw new SiglipException("timm model '" + name + "' pools with '" + pool
                    + "'; SigLIP towers pool with 'map' (attention head) or 'avg' (gap variants)");
        }
        String actLayer = args.has("act_layer") ? args.get("act_layer").getAsString()
                : known && m.group(1).equals("giantopt") ? "gelu_tanh" : "gelu";
        String act = switch (actLayer) {
            case "gelu" -> "gelu";
            case "gelu_tanh" -> "gelu_pytorch_tanh";
            default -> throw new SiglipException("timm model '" + name + "': act_layer '" + actLayer
                    + "' is not supported (gelu, gelu_tanh)");
        };
        return new TimmVisionTransformer(name, dim, depth, heads, (int) (dim * ratio), patch, image, pool.equals("map"),
                act);
    }

    private static int imageSide(JsonElement e) {
        if (e.isJsonArray()) {
            int h = e.getAsJsonArray().get(0).getAsInt();
            int w = e.getAsJsonArray().get(1).getAsInt();
            if (h != w) {
                throw new SiglipException("timm img_size " + e + " is not square; SigLIP towers are");
            }
            return h;
        }
        return e.getAsInt();
    }

    /** The HF vision config of this tower (LayerNorm eps 1e-6 as timm's ViT uses). */
    public SiglipVisionConfig visionConfig() {
        return new SiglipVisionConfig(embedDim, mlpHidden, depth, numHeads, 3, imageSize, patchSize, act, 1e-6, 0.0,
                mapHead, null);
    }

    /**
     * The same tower's timm arguments, as {@code model_args} (for a config timm or open_clip reads).
     *
     * @param vision an HF vision config
     * @return the arguments
     */
    public static JsonObject modelArgs(SiglipVisionConfig vision) {
        JsonObject a = new JsonObject();
        a.addProperty("patch_size", vision.patchSize());
        a.addProperty("embed_dim", vision.hiddenSize());
        a.addProperty("depth", vision.numHiddenLayers());
        a.addProperty("num_heads", vision.numAttentionHeads());
        a.addProperty("mlp_ratio", vision.intermediateSize() / (double) vision.hiddenSize());
        a.addProperty("class_token", false);
        a.addProperty("global_pool", vision.visionUseHead() ? "map" : "avg");
        a.addProperty("img_size", vision.imageSize());
        if (!vision.hiddenAct().equals("gelu")) {
            a.addProperty("act_layer", "gelu_tanh");
        }
        return a;
    }

    /**
     * The tensor correspondences of the tower under {@code prefix} ({@code visual.trunk.} in
     * open_clip, empty in timm).
     *
     * @param prefix name prefix of the timm tensors
     * @param depth blocks
     * @param mapHead whether the MAP head exists
     * @return the links
     */
    static List<TensorLink> links(String prefix, int depth, boolean mapHead) {
        String hf = "vision_model.";
        List<TensorLink> l = new ArrayList<>();
        l.add(TensorLink.same(hf + "embeddings.patch_embedding.weight", prefix + "patch_embed.proj.weight"));
        l.add(TensorLink.same(hf + "embeddings.patch_embedding.bias", prefix + "patch_embed.proj.bias"));
        l.add(new TensorLink(List.of(hf + "embeddings.position_embedding.weight"), List.of(prefix + "pos_embed"),
                TensorLink.Kind.LEADING_ONE));
        for (int i = 0; i < depth; i++) {
            l.addAll(TensorLink.encoderLayer(hf + "encoder.layers." + i + ".", prefix + "blocks." + i + ".",
                    TIMM_BLOCK));
        }
        for (String p : List.of("weight", "bias")) {
            l.add(TensorLink.same(hf + "post_layernorm." + p, prefix + "norm." + p));
        }
        if (mapHead) {
            String h = hf + "head.";
            String t = prefix + "attn_pool.";
            l.add(TensorLink.same(h + "probe", t + "latent"));
            for (String p : List.of("weight", "bias")) {
                l.add(new TensorLink(List.of(h + "attention.in_proj_" + p), List.of(t + "q." + p, t + "kv." + p),
                        TensorLink.Kind.Q_KV));
                l.add(TensorLink.same(h + "attention.out_proj." + p, t + "proj." + p));
                l.add(TensorLink.same(h + "layernorm." + p, t + "norm." + p));
                l.add(TensorLink.same(h + "mlp.fc1." + p, t + "mlp.fc1." + p));
                l.add(TensorLink.same(h + "mlp.fc2." + p, t + "mlp.fc2." + p));
            }
        }
        return l;
    }
}
