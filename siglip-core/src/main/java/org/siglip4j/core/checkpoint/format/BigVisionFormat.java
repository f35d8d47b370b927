package org.siglip4j.core.checkpoint.format;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;

/**
 * big_vision's SigLIP checkpoints: the two-tower parameter tree saved as {@code .npz} (flax names
 * joined by {@code /}, optionally under {@code params/}): {@code img/embedding}, {@code img/pos_embedding},
 * {@code img/Transformer/encoderblock_{i}} (or one stacked {@code encoderblock} with a leading layer
 * axis, as scanned models save it), {@code img/MAPHead_0}, {@code txt/Embed_0}, {@code txt/pos_embedding},
 * {@code txt/Encoder_0/...}, {@code txt/head}, {@code t}, {@code b}. The mapping is the one
 * transformers' {@code convert_siglip_to_hf.py} applies: Dense kernels {@code [in, out]} transposed,
 * attention kernels {@code [D, H, Dh]} / {@code [H, Dh, D]} flattened, the patch kernel
 * {@code [P, P, C, D]} made {@code [D, C, P, P]}, the MAP head's query/key/value fused into
 * {@code in_proj}. The shapes (widths, depths, heads, patch and image size, text length) are read
 * from the arrays; activations are big_vision's tanh GELU. The tokenizer is taken from the folder
 * holding the file ({@code spiece.model}, ...), the preprocessing is HF's SigLIP default at the
 * model's image size, as the conversion script sets it.
 */
public final class BigVisionFormat {
    private BigVisionFormat() {}

    /** The {@code .npz} file of a path: the file itself, or the only one in a folder (null if none). */
    public static Path npzOf(Path path) {
        if (Files.isRegularFile(path)) {
            return path.getFileName().toString().endsWith(".npz") ? path : null;
        }
        if (!Files.isDirectory(path)) {
            return null;
        }
        try (Stream<Path> s = Files.list(path)) {
            List<Path> l = s.filter(p -> p.getFileName().toString().endsWith(".npz")).sorted().toList();
            if (l.size() > 1) {
                throw new SiglipException(path + " holds " + l.size() + " .npz files " + l.stream()
                        .map(p -> p.getFileName().toString()).toList() + "; give the one to load");
            }
            return l.isEmpty() ? null : l.get(0);
        } catch (IOException e) {
            throw new SiglipException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a big_vision {@code .npz} (or the folder holding one) as an HF SigLIP.
     *
     * @param path the file or its folder
     * @return the checkpoint
     */
    public static ForeignCheckpoint read(Path path) {
        Path file = npzOf(path);
        if (file == null) {
            throw new SiglipException(path + ": no .npz file");
        }
        Shapes s;
        try (NpzReader r = NpzReader.open(file)) {
            s = new Shapes(r);
        }
        SiglipVisionConfig vision = new SiglipVisionConfig(s.width("img"), s.mlp("img"), s.depth("img"),
                s.heads("img"), 3, s.imageSize(), s.patch(), "gelu_pytorch_tanh", 1e-6, 0.0, true, null);
        SiglipTextConfig d = SiglipTextConfig.defaults();
        int textWidth = s.width("txt");
        long[] head = s.shape("txt/head/kernel");
        SiglipTextConfig text = new SiglipTextConfig((int) s.shape("txt/Embed_0/embedding")[0], textWidth,
                s.mlp("txt"), s.depth("txt"), s.heads("txt"), s.seq(), "gelu_pytorch_tanh", 1e-6, 0.0,
                d.padTokenId(), d.bosTokenId(), d.eosTokenId(), (int) head[1], null);
        SiglipConfig config = SiglipConfig.of(text, vision);
        TensorPlan plan = plan(s, vision.numHiddenLayers(), text.numHiddenLayers());
        Path dir = file.getParent();
        boolean hasTokenizer = Files.isRegularFile(dir.resolve("spiece.model"))
                || Files.isRegularFile(dir.resolve("tokenizer.json"));
        SiglipImageProcessorConfig pre = SiglipImageProcessorConfig.defaults().withSize(vision.imageSize(),
                vision.imageSize());
        return new ForeignCheckpoint("big_vision", file, config, "SiglipModel", plan, () -> NpzReader.open(file),
                pre, hasTokenizer ? dir : null, text.maxPositionEmbeddings());
    }

    /** The arrays' names and shapes, with or without the {@code params/} prefix and stacked blocks. */
    private static final class Shapes {
        final NpzReader r;
        final String prefix;
        final Set<String> names;

        Shapes(NpzReader r) {
            this.r = r;
            this.names = r.names();
            this.prefix = names.stream().anyMatch(n -> n.startsWith("params/")) ? "params/" : "";
            if (!names.contains(prefix + "img/embedding/kernel") || !names.contains(prefix + "txt/Embed_0/embedding")) {
                throw new SiglipException(r.source() + " is not a big_vision SigLIP checkpoint: it has no "
                        + prefix + "img/embedding/kernel or " + prefix + "txt/Embed_0/embedding");
            }
        }

        long[] shape(String name) {
            if (!names.contains(prefix + name)) {
                throw new SiglipException(r.source() + ": array '" + prefix + name + "' is missing");
            }
            return r.shape(prefix + name);
        }

        String encoder(String tower) {
            return tower.equals("img") ? "img/Transformer/" : "txt/Encoder_0/";
        }

        boolean stacked(String tower) {
            return names.contains(prefix + encoder(tower) + "encoderblock/LayerNorm_0/scale");
        }

        int depth(String tower) {
            if (stacked(tower)) {
                return (int) shape(encoder(tower) + "encoderblock/LayerNorm_0/scale")[0];
            }
            int i = 0;
            while (names.contains(prefix + encoder(tower) + "encoderblock_" + i + "/LayerNorm_0/scale")) {
                i++;
            }
            if (i == 0) {
                throw new SiglipException(r.source() + ": no " + prefix + encoder(tower) + "encoderblock_0");
            }
            return i;
        }

        /** A block's array shape without the stacked layer axis. */
        long[] block(String tower, String rest) {
            long[] sh = shape(encoder(tower) + (stacked(tower) ? "encoderblock/" : "encoderblock_0/") + rest);
            return stacked(tower) ? java.util.Arrays.copyOfRange(sh, 1, sh.length) : sh;
        }

        int width(String tower) {
            return (int) block(tower, "LayerNorm_0/scale")[0];
        }

        int mlp(String tower) {
            return (int) block(tower, "MlpBlock_0/Dense_0/kernel")[1];
        }

        int heads(String tower) {
            return (int) block(tower, "MultiHeadDotProductAttention_0/query/kernel")[1];
        }

        int patch() {
            return (int) shape("img/embedding/kernel")[0];
        }

        int imageSize() {
            long n = shape("img/pos_embedding")[1];
            long side = Math.round(Math.sqrt(n));
            if (side * side != n) {
                throw new SiglipException(r.source() + ": img/pos_embedding has " + n + " positions, not a square grid");
            }
            return (int) side * patch();
        }

        int seq() {
            return (int) shape("txt/pos_embedding")[1];
        }
    }

    private static TensorPlan plan(Shapes s, int visionDepth, int textDepth) {
        String p = s.prefix;
        TensorPlan plan = new TensorPlan();
        Function<NDArray, NDArray> t = NDArray::transpose;
        Function<NDArray, NDArray> flatBias = a -> a.reshape(-1);
        // [D, H, Dh] -> [D, D] -> transposed to torch's [out, in]; out: [H, Dh, D] -> [D, D] -> transposed
        Function<NDArray, NDArray> attnIn = a -> a.reshape(a.getShape().get(0), -1).transpose();
        Function<NDArray, NDArray> attnOut = a -> a.reshape(-1, a.getShape().get(a.getShape().dimension() - 1))
                .transpose();
        Function<NDArray, NDArray> rows = a -> a.reshape(-1, a.getShape().get(a.getShape().dimension() - 1));

        plan.map("vision_model.embeddings.patch_embedding.weight", p + "img/embedding/kernel",
                a -> a.transpose(3, 2, 0, 1));
        plan.copy("vision_model.embeddings.patch_embedding.bias", p + "img/embedding/bias");
        plan.map("vision_model.embeddings.position_embedding.weight", p + "img/pos_embedding", rows);
        plan.map("text_model.embeddings.token_embedding.weight", p + "txt/Embed_0/embedding", a -> a);
        plan.map("text_model.embeddings.position_embedding.weight", p + "txt/pos_embedding", rows);
        for (String[] tw : new String[][] {{"img", "vision_model."}, {"txt", "text_model."}}) {
            String tower = tw[0];
            int depth = tower.equals("img") ? visionDepth : textDepth;
            for (int i = 0; i < depth; i++) {
                String h = tw[1] + "encoder.layers." + i + ".";
                final int layer = i;
                Function<String, String> src = rest -> p + s.encoder(tower)
                        + (s.stacked(tower) ? "encoderblock/" : "encoderblock_" + layer + "/") + rest;
                Function<Function<NDArray, NDArray>, Function<NDArray, NDArray>> pick = f -> s.stacked(tower)
                        ? a -> f.apply(a.get(layer)) : f;
                String a = "MultiHeadDotProductAttention_0/";
                plan.map(h + "layer_norm1.weight", src.apply("LayerNorm_0/scale"), pick.apply(x -> x));
                plan.map(h + "layer_norm1.bias", src.apply("LayerNorm_0/bias"), pick.apply(x -> x));
                plan.map(h + "layer_norm2.weight", src.apply("LayerNorm_1/scale"), pick.apply(x -> x));
                plan.map(h + "layer_norm2.bias", src.apply("LayerNorm_1/bias"), pick.apply(x -> x));
                plan.map(h + "mlp.fc1.weight", src.apply("MlpBlock_0/Dense_0/kernel"), pick.apply(t));
                plan.map(h + "mlp.fc1.bias", src.apply("MlpBlock_0/Dense_0/bias"), pick.apply(x -> x));
                plan.map(h + "mlp.fc2.weight", src.apply("MlpBlock_0/Dense_1/kernel"), pick.apply(t));
                plan.map(h + "mlp.fc2.bias", src.apply("MlpBlock_0/Dense_1/bias"), pick.apply(x -> x));
                for (String[] qkv : new String[][] {{"query", "q_proj"}, {"key", "k_proj"}, {"value", "v_proj"}}) {
                    plan.map(h + "self_attn." + qkv[1] + ".weight", src.apply(a + qkv[0] + "/kernel"),
                            pick.apply(attnIn));
                    plan.map(h + "self_attn." + qkv[1] + ".bias", src.apply(a + qkv[0] + "/bias"),
                            pick.apply(flatBias));
                }
                plan.map(h + "self_attn.out_proj.weight", src.apply(a + "out/kernel"), pick.apply(attnOut));
                plan.map(h + "self_attn.out_proj.bias", src.apply(a + "out/bias"), pick.apply(flatBias));
            }
            String norm = p + s.encoder(tower) + "encoder_norm/";
            String target = tower.equals("img") ? "vision_model.post_layernorm." : "text_model.final_layer_norm.";
            plan.copy(target + "weight", norm + "scale").copy(target + "bias", norm + "bias");
        }
        String m = p + "img/MAPHead_0/";
        String a = m + "MultiHeadDotProductAttention_0/";
        plan.copy("vision_model.head.probe", m + "probe");
        plan.add("vision_model.head.attention.in_proj_weight",
                List.of(a + "query/kernel", a + "key/kernel", a + "value/kernel"),
                l -> ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(attnIn.apply(l.get(0)),
                        attnIn.apply(l.get(1)), attnIn.apply(l.get(2))), 0));
        plan.add("vision_model.head.attention.in_proj_bias", List.of(a + "query/bias", a + "key/bias", a + "value/bias"),
                l -> ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(flatBias.apply(l.get(0)),
                        flatBias.apply(l.get(1)), flatBias.apply(l.get(2))), 0));
        plan.map("vision_model.head.attention.out_proj.weight", a + "out/kernel", attnOut);
        plan.copy("vision_model.head.attention.out_proj.bias", a + "out/bias");
        plan.copy("vision_model.head.layernorm.weight", m + "LayerNorm_0/scale");
        plan.copy("vision_model.head.layernorm.bias", m + "LayerNorm_0/bias");
        plan.map("vision_model.head.mlp.fc1.weight", m + "MlpBlock_0/Dense_0/kernel", t);
        plan.copy("vision_model.head.mlp.fc1.bias", m + "MlpBlock_0/Dense_0/bias");
        plan.map("vision_model.head.mlp.fc2.weight", m + "MlpBlock_0/Dense_1/kernel", t);
        plan.copy("vision_model.head.mlp.fc2.bias", m + "MlpBlock_0/Dense_1/bias");
        plan.map("text_model.head.weight", p + "txt/head/kernel", t);
        plan.copy("text_model.head.bias", p + "txt/head/bias");
        plan.map("logit_scale", p + "t", x -> x.reshape(1));
        plan.map("logit_bias", p + "b", x -> x.reshape(1));
        return plan;
    }
}
