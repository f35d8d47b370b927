package org.siglip4j.core.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.config.SiglipTextConfig;
import org.siglip4j.core.config.SiglipVisionConfig;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.onnx.OnnxGraph.Attribute;

/**
 * Writes a loaded {@link SiglipModel} as ONNX graphs, in Java, with no tracing: each graph is built
 * node by node from the same formulas as the DJL blocks of {@code org.siglip4j.core.nn} (and HF's
 * {@code modeling_siglip.py}), with the weights as initializers named by their checkpoint keys.
 *
 * <ul>
 *   <li>{@value #VISION_FILE}: {@code pixel_values} [B, C, S, S] to {@code last_hidden_state}
 *       [B, P, D], {@code pooler_output} [B, D] (the MAP head) and {@code image_embeds} (L2-normalised);
 *   <li>{@value #TEXT_FILE}: {@code input_ids} [B, L] (int64, padded as the tokenizer pads; no
 *       attention mask, as SigLIP is used) to {@code last_hidden_state}, {@code pooler_output}
 *       (the head of the last position) and {@code text_embeds};
 *   <li>{@value #MODEL_FILE}: both inputs to {@code logits_per_image} [B_img, B_txt],
 *       {@code logits_per_text}, {@code text_embeds}, {@code image_embeds}, where
 *       {@code logits_per_text = exp(logit_scale) * text_embeds @ image_embeds^T + logit_bias}.
 * </ul>
 *
 * Only standard opset-17 operators are used for float32 weights, so any ONNX runtime can run the
 * files; the quantised modes ({@link Quantization}) use ONNX Runtime's {@code com.microsoft}
 * contrib operators. The image size is the config's: position interpolation is not exported.
 */
public final class SiglipOnnxExporter {
    /** Weights per scale of the block-quantised modes (along the input axis; ONNX Runtime's default 32). */
    public static final int BLOCK_SIZE = 32;
    /**
     * {@code MatMulNBits}' {@code accuracy_level}: 4 lets ONNX Runtime quantise the activations to
     * int8 per block and use its integer kernels (0 dequantises the weights to float32 and runs a
     * float product, no faster than float32).
     */
    static final int ACCURACY_LEVEL = 4;
    /** The vision tower's file. */
    public static final String VISION_FILE = "vision_model.onnx";
    /** The text tower's file. */
    public static final String TEXT_FILE = "text_model.onnx";
    /** The whole model's file. */
    public static final String MODEL_FILE = "model.onnx";
    /** Bumped whenever the graphs change, so that caches keyed on it are rebuilt. */
    public static final String EXPORT_VERSION = "2";

    private final Map<String, Parameter> params;
    private final SiglipConfig config;
    private final Quantization quantization;
    private final boolean fused;

    /**
     * An exporter of that model.
     *
     * @param model a loaded {@code SiglipModel}
     * @param quantization how to store the linear layers' weights
     * @throws SiglipException for a model the exporter cannot write yet (subclasses of
     *     {@code SiglipModel}, a vision tower without its pooling head, an unknown activation)
     */
    public SiglipOnnxExporter(SiglipModel model, Quantization quantization) {
        this(model, quantization, false);
    }

    /**
     * An exporter that may use ONNX Runtime's fused contrib operators.
     *
     * @param model a loaded {@code SiglipModel}
     * @param quantization how to store the linear layers' weights
     * @param fused write the encoder layers' attention as {@code com.microsoft.MultiHeadAttention},
     *     tanh-GELU as {@code com.microsoft.FastGelu} and each residual sum with the LayerNorm after it
     *     as {@code com.microsoft.SkipLayerNormalization} (ONNX Runtime only; its optimiser finds
     *     none of the first two and one of the last in the plain graphs)
     */
    public SiglipOnnxExporter(SiglipModel model, Quantization quantization, boolean fused) {
        if (model.getClass() != SiglipModel.class) {
            throw new SiglipException("ONNX export of " + model.getClass().getSimpleName() + " is not supported yet "
                    + "(only SiglipModel); run it with --engine pytorch");
        }
        SiglipConfig c = model.config();
        if (!c.visionConfig().visionUseHead()) {
            throw new SiglipException("ONNX export needs the vision pooling head (vision_use_head=false is not "
                    + "supported yet); run it with --engine pytorch");
        }
        activationCheck(c.visionConfig().hiddenAct());
        activationCheck(c.textConfig().hiddenAct());
        this.params = model.namedParameters();
        this.config = c;
        this.quantization = quantization;
        this.fused = fused;
    }

    private static boolean isGeluTanh(String act) {
        return act.equals("gelu_pytorch_tanh") || act.equals("gelu_new") || act.equals("gelu_fast");
    }

    private static void activationCheck(String act) {
        switch (act) {
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast", "gelu", "relu", "quick_gelu" -> { }
            default -> throw new SiglipException("ONNX export of hidden_act '" + act + "' is not supported yet; "
                    + "run it with --engine pytorch");
        }
    }

    /** The quantisation of this exporter. */
    public Quantization quantization() {
        return quantization;
    }

    /** The vision tower's graph. */
    public OnnxGraph visionGraph() {
        Builder b = new Builder("siglip_vision_model");
        String[] out = b.vision("batch");
        SiglipVisionConfig v = config.visionConfig();
        b.g.output(b.g.identity(out[0], "last_hidden_state"), OnnxGraph.FLOAT, "batch", v.numPatches(),
                v.hiddenSize());
        b.g.output(b.g.identity(out[1], "pooler_output"), OnnxGraph.FLOAT, "batch", v.hiddenSize());
        b.g.output(b.g.identity(b.normalize(out[1]), "image_embeds"), OnnxGraph.FLOAT, "batch", v.hiddenSize());
        return b.g;
    }

    /** The text tower's graph. */
    public OnnxGraph textGraph() {
        Builder b = new Builder("siglip_text_model");
        String[] out = b.text("batch");
        SiglipTextConfig t = config.textConfig();
        b.g.output(b.g.identity(out[0], "last_hidden_state"), OnnxGraph.FLOAT, "batch", "sequence", t.hiddenSize());
        b.g.output(b.g.identity(out[1], "pooler_output"), OnnxGraph.FLOAT, "batch", t.projectionSize());
        b.g.output(b.g.identity(b.normalize(out[1]), "text_embeds"), OnnxGraph.FLOAT, "batch", t.projectionSize());
        return b.g;
    }

    /** The whole model's graph: both towers and the logits. */
    public OnnxGraph modelGraph() {
        Builder b = new Builder("siglip_model");
        String text = b.normalize(b.text("text_batch")[1]);
        String image = b.normalize(b.vision("image_batch")[1]);
        OnnxGraph g = b.g;
        String scale = g.node("Exp", new String[] {b.weight("logit_scale")});
        String dots = g.node("MatMul", new String[] {text, g.node("Transpose", new String[] {image},
                Attribute.ints("perm", 1, 0))});
        String perText = g.node("Add", new String[] {g.node("Mul", new String[] {dots, scale}), b.weight("logit_bias")});
        g.output(g.identity(g.node("Transpose", new String[] {perText}, Attribute.ints("perm", 1, 0)),
                "logits_per_image"), OnnxGraph.FLOAT, "image_batch", "text_batch");
        g.output(g.identity(perText, "logits_per_text"), OnnxGraph.FLOAT, "text_batch", "image_batch");
        g.output(g.identity(text, "text_embeds"), OnnxGraph.FLOAT, "text_batch", config.textConfig().projectionSize());
        g.output(g.identity(image, "image_embeds"), OnnxGraph.FLOAT, "image_batch",
                config.visionConfig().hiddenSize());
        return g;
    }

    /**
     * Writes {@value #VISION_FILE}, {@value #TEXT_FILE} and {@value #MODEL_FILE} into {@code dir}
     * (created if missing), each with its own external data file when it passes 2 GiB.
     *
     * @param dir the output folder
     * @param forceExternal put the weights in external data files whatever their size
     * @return the written graph files
     */
    public List<Path> exportTo(Path dir, boolean forceExternal) {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new SiglipException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path vision = dir.resolve(VISION_FILE);
        Path text = dir.resolve(TEXT_FILE);
        Path model = dir.resolve(MODEL_FILE);
        write(visionGraph(), vision, forceExternal);
        write(textGraph(), text, forceExternal);
        write(modelGraph(), model, forceExternal);
        return List.of(vision, text, model);
    }

    /** Writes one graph with the export's metadata. */
    void write(OnnxGraph g, Path file, boolean forceExternal) {
        g.metadata("siglip4j.export_version", EXPORT_VERSION);
        g.metadata("siglip4j.quantization", quantization.label());
        g.metadata("siglip4j.fused", Boolean.toString(fused));
        g.write(file, EXPORT_VERSION, forceExternal);
    }

    /** One graph under construction: the tower formulas as ONNX nodes. */
    private final class Builder {
        final OnnxGraph g;
        private final Map<String, String> constants = new HashMap<>();

        Builder(String name) {
            g = new OnnxGraph(name);
        }

        /** Builds the vision tower on a new {@code pixel_values} input; returns [last_hidden_state, pooler_output]. */
        String[] vision(String batch) {
            SiglipVisionConfig v = config.visionConfig();
            String p = "vision_model.";
            String px = g.input("pixel_values", OnnxGraph.FLOAT, batch, v.numChannels(), v.imageSize(),
                    v.imageSize());
            String patches = g.node("Conv", new String[] {px, weight(p + "embeddings.patch_embedding.weight"),
                weight(p + "embeddings.patch_embedding.bias")},
                    Attribute.ints("kernel_shape", v.patchSize(), v.patchSize()),
                    Attribute.ints("strides", v.patchSize(), v.patchSize()));
            // [B, D, g, g] -> [B, D, P] -> [B, P, D], then the position table (no CLS token)
            String flat = g.node("Reshape", new String[] {patches, ints(0, v.hiddenSize(), -1)});
            String tokens = g.node("Transpose", new String[] {flat}, Attribute.ints("perm", 0, 2, 1));
            String last = encoder(p + "encoder.", tokens, weight(p + "embeddings.position_embedding.weight"),
                    v.numHiddenLayers(), v.numAttentionHeads(), v.hiddenSize(), v.hiddenAct(), v.layerNormEps(),
                    p + "post_layernorm.");
            return new String[] {last, mapHead(p + "head.", last, v)};
        }

        /** Builds the text tower on a new {@code input_ids} input; returns [last_hidden_state, pooler_output]. */
        String[] text(String batch) {
            SiglipTextConfig t = config.textConfig();
            String p = "text_model.";
            String ids = g.input("input_ids", OnnxGraph.INT64, batch, "sequence");
            String tokens = g.node("Gather", new String[] {weight(p + "embeddings.token_embedding.weight"), ids});
            String length = g.node("Shape", new String[] {ids}, Attribute.i("start", 1), Attribute.i("end", 2));
            String positions = g.node("Slice", new String[] {weight(p + "embeddings.position_embedding.weight"),
                ints(0), length, ints(0)});
            String last = encoder(p + "encoder.", tokens, positions, t.numHiddenLayers(), t.numAttentionHeads(),
                    t.hiddenSize(), t.hiddenAct(), t.layerNormEps(), p + "final_layer_norm.");
            // the last position, whatever the padding: SigLIP pads to the max length and ends in </s>
            String pooled = g.node("Gather", new String[] {last, g.int64s("last_position", new long[0], -1)},
                    Attribute.i("axis", 1));
            return new String[] {last, linear(p + "head.", pooled)};
        }

        /**
         * The pre-norm encoder on {@code tokens} + {@code positions} ([B, L, D] + [L, D]), then the
         * final LayerNorm at {@code finalNorm}; returns the normalised last hidden state. Each
         * residual sum is written together with the LayerNorm that reads it ({@link #addAndNorm}).
         */
        private String encoder(String p, String tokens, String positions, int layers, int heads, int dim, String act,
                double eps, String finalNorm) {
            String h = tokens;
            String branch = positions; // the term not yet added to h
            for (int i = 0; i < layers; i++) {
                String l = p + "layers." + i + ".";
                String[] n = addAndNorm(l + "layer_norm1.", h, branch, eps);
                String attn = selfAttention(l + "self_attn.", n[0], heads, dim);
                h = n[1];
                n = addAndNorm(l + "layer_norm2.", h, attn, eps);
                h = n[1];
                branch = mlp(l + "mlp.", n[0], act);
            }
            return addAndNorm(finalNorm, h, branch, eps)[0];
        }

        /**
         * {@code s = h + branch} and {@code LayerNorm(s)}, returned as {norm, s}. Fused, one
         * {@code SkipLayerNormalization} computes both: on ONNX Runtime 1.29's CPU provider its
         * kernel ran a ViT-B LayerNorm about 4x faster than {@code LayerNormalization} (see
         * docs/onnxruntime.md). {@code h} is [B, L, D]; {@code branch} [B, L, D] or [L, D].
         */
        private String[] addAndNorm(String p, String h, String branch, double eps) {
            if (fused) {
                String[] out = g.msNode("SkipLayerNormalization", new String[] {h, branch, weight(p + "weight"),
                    weight(p + "bias")}, new boolean[] {true, false, false, true}, Attribute.f("epsilon", (float) eps));
                return new String[] {out[0], out[3]};
            }
            String s = g.node("Add", new String[] {h, branch});
            return new String[] {layerNorm(p, s, eps), s};
        }

        private String selfAttention(String p, String x, int heads, int dim) {
            if (fused) {
                // ONNX Runtime's fused attention: q, k, v [B, L, D] and their biases packed [3D]
                float[] bias = new float[3 * dim];
                System.arraycopy(floats(p + "q_proj.bias"), 0, bias, 0, dim);
                System.arraycopy(floats(p + "k_proj.bias"), 0, bias, dim, dim);
                System.arraycopy(floats(p + "v_proj.bias"), 0, bias, 2 * dim, dim);
                String context = g.msNode("MultiHeadAttention", new String[] {product(p + "q_proj.", x),
                    product(p + "k_proj.", x), product(p + "v_proj.", x), g.floats(p + "qkv_bias",
                        new long[] {3L * dim}, bias)}, Attribute.i("num_heads", heads));
                return linear(p + "out_proj.", context);
            }
            int hd = dim / heads;
            String q = splitHeads(linear(p + "q_proj.", x), heads, hd, 0, 2, 1, 3); // [B, H, L, hd]
            String kT = splitHeads(linear(p + "k_proj.", x), heads, hd, 0, 2, 3, 1); // [B, H, hd, L]
            String v = splitHeads(linear(p + "v_proj.", x), heads, hd, 0, 2, 1, 3);
            String scores = g.node("Mul", new String[] {g.node("MatMul", new String[] {q, kT}),
                constant((float) Math.pow(hd, -0.5))});
            String probs = g.node("Softmax", new String[] {scores}, Attribute.i("axis", -1));
            return linear(p + "out_proj.", mergeHeads(g.node("MatMul", new String[] {probs, v}), dim));
        }

        /** [B, L, D] -> [B, L, H, hd], transposed by {@code perm}. */
        private String splitHeads(String x, int heads, int hd, long... perm) {
            String r = g.node("Reshape", new String[] {x, ints(0, 0, heads, hd)});
            return g.node("Transpose", new String[] {r}, Attribute.ints("perm", perm));
        }

        /** [B, H, L, hd] -> [B, L, D]. */
        private String mergeHeads(String context, int dim) {
            String t = g.node("Transpose", new String[] {context}, Attribute.ints("perm", 0, 2, 1, 3));
            return g.node("Reshape", new String[] {t, ints(0, 0, dim)});
        }

        /** The MAP head: the probe attends over all tokens (torch MultiheadAttention), then a residual MLP. */
        private String mapHead(String p, String x, SiglipVisionConfig v) {
            int dim = v.hiddenSize();
            int heads = v.numAttentionHeads();
            int hd = dim / heads;
            String a = p + "attention.";
            float[] w = floats(a + "in_proj_weight");
            float[] b = floats(a + "in_proj_bias");
            String[] qkv = new String[3];
            for (int part = 0; part < 3; part++) {
                float[] wp = java.util.Arrays.copyOfRange(w, part * dim * dim, (part + 1) * dim * dim);
                float[] bp = java.util.Arrays.copyOfRange(b, part * dim, (part + 1) * dim);
                String in = part == 0 ? weight(p + "probe") : x;
                qkv[part] = linear(a + "in_proj." + "qkv".charAt(part) + ".", in, wp, bp, dim, dim);
            }
            // torch scales q before the product: q * sqrt(1 / hd)
            String q = g.node("Mul", new String[] {splitHeads(qkv[0], heads, hd, 0, 2, 1, 3),
                constant((float) Math.sqrt(1.0 / hd))});
            String kT = splitHeads(qkv[1], heads, hd, 0, 2, 3, 1);
            String vv = splitHeads(qkv[2], heads, hd, 0, 2, 1, 3);
            String probs = g.node("Softmax", new String[] {g.node("MatMul", new String[] {q, kT})},
                    Attribute.i("axis", -1));
            String h = linear(a + "out_proj.", mergeHeads(g.node("MatMul", new String[] {probs, vv}), dim));
            String mlp = mlp(p + "mlp.", layerNorm(p + "layernorm.", h, v.layerNormEps()), v.hiddenAct());
            h = g.node("Add", new String[] {h, mlp});
            return g.node("Reshape", new String[] {h, ints(0, dim)}); // [B, 1, D] -> [B, D]
        }

        private String mlp(String p, String x, String act) {
            if (fused && isGeluTanh(act)) {
                String h = g.msNode("FastGelu", new String[] {product(p + "fc1.", x),
                    g.floats(p + "fc1.bias", new long[] {array(p + "fc1.bias").size()}, floats(p + "fc1.bias"))});
                return linear(p + "fc2.", h);
            }
            return linear(p + "fc2.", activation(act, linear(p + "fc1.", x)));
        }

        private String activation(String act, String x) {
            switch (act) {
                case "relu":
                    return g.node("Relu", new String[] {x});
                case "quick_gelu":
                    return g.node("Mul", new String[] {x, g.node("Sigmoid", new String[] {g.node("Mul",
                        new String[] {x, constant(1.702f)})})});
                case "gelu": {
                    // 0.5 x (1 + erf(x / sqrt 2))
                    String erf = g.node("Erf", new String[] {g.node("Div", new String[] {x,
                        constant((float) Math.sqrt(2))})});
                    return halfTimes(x, erf);
                }
                default: {
                    // gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in the
                    // form ONNX Runtime's FastGelu fusion recognises
                    String cube = g.node("Pow", new String[] {x, constant(3f)});
                    String inner = g.node("Add", new String[] {x, g.node("Mul", new String[] {cube,
                        constant(0.044715f)})});
                    String tanh = g.node("Tanh", new String[] {g.node("Mul", new String[] {inner,
                        constant((float) Math.sqrt(2 / Math.PI))})});
                    return halfTimes(x, tanh);
                }
            }
        }

        /** 0.5 x (1 + t). */
        private String halfTimes(String x, String t) {
            String onePlus = g.node("Add", new String[] {t, constant(1f)});
            return g.node("Mul", new String[] {g.node("Mul", new String[] {x, onePlus}), constant(0.5f)});
        }

        private String layerNorm(String p, String x, double eps) {
            return g.node("LayerNormalization", new String[] {x, weight(p + "weight"), weight(p + "bias")},
                    Attribute.i("axis", -1), Attribute.f("epsilon", (float) eps));
        }

        /** x / ||x||, over the last axis. */
        String normalize(String x) {
            String norm = g.node("ReduceL2", new String[] {x}, Attribute.ints("axes", -1), Attribute.i("keepdims", 1));
            return g.node("Div", new String[] {x, norm});
        }

        /** {@code x @ W^T + b} of the torch Linear at that prefix. */
        private String linear(String p, String x) {
            NDArray w = array(p + "weight");
            int out = (int) w.getShape().get(0);
            int in = (int) w.getShape().get(1);
            return linear(p, x, w.toFloatArray(), floats(p + "bias"), out, in);
        }

        /** {@code x @ W^T + b} for a weight [out, in] (row-major) and a bias [out], in the export's quantisation. */
        private String linear(String p, String x, float[] w, float[] bias, int out, int in) {
            String b = g.floats(p + "bias", new long[] {out}, bias);
            if (quantization == Quantization.INT8) {
                return product(p, x, w, out, in, b); // the op adds the bias itself
            }
            return g.node("Add", new String[] {product(p, x, w, out, in, null), b});
        }

        /** {@code x @ W^T} of the torch Linear at that prefix, without its bias. */
        private String product(String p, String x) {
            NDArray w = array(p + "weight");
            return product(p, x, w.toFloatArray(), (int) w.getShape().get(0), (int) w.getShape().get(1), null);
        }

        /**
         * {@code x @ W^T} for a weight [out, in] in the export's quantisation; {@code int8Bias}, when
         * given, is added by the int8 op itself.
         */
        private String product(String p, String x, float[] w, int out, int in, String int8Bias) {
            switch (quantization) {
                case INT8: {
                    QuantizedWeights.PerColumn q = QuantizedWeights.int8PerColumn(w, out, in);
                    List<String> inputs = new java.util.ArrayList<>(List.of(x,
                        g.initializer(p + "weight_quantized", OnnxGraph.INT8, new long[] {in, out}, q.values()),
                        g.floats(p + "weight_scale", new long[] {out}, q.scales()),
                        g.initializer(p + "weight_zero_point", OnnxGraph.INT8, new long[] {out}, new byte[out])));
                    if (int8Bias != null) {
                        inputs.add(int8Bias);
                    }
                    return g.msNode("DynamicQuantizeMatMul", inputs.toArray(String[]::new));
                }
                case INT4:
                case INT8_WEIGHTS: {
                    int bits = quantization == Quantization.INT4 ? 4 : 8;
                    QuantizedWeights.Blocks q = QuantizedWeights.blocks(w, out, in, bits, BLOCK_SIZE);
                    return g.msNode("MatMulNBits", new String[] {x,
                        g.initializer(p + "weight_quantized", OnnxGraph.UINT8,
                                new long[] {out, q.blocksPerRow(), (long) BLOCK_SIZE * bits / 8}, q.values()),
                        g.floats(p + "weight_scales", new long[] {(long) out * q.blocksPerRow()}, q.scales())},
                            Attribute.i("K", in), Attribute.i("N", out), Attribute.i("bits", bits),
                            Attribute.i("block_size", BLOCK_SIZE), Attribute.i("accuracy_level", ACCURACY_LEVEL));
                }
                default: {
                    float[] t = new float[w.length];
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            t[i * out + o] = w[o * in + i];
                        }
                    }
                    return g.node("MatMul", new String[] {x, g.floats(p + "weight", new long[] {in, out}, t)});
                }
            }
        }

        /** The parameter at that key as a float initializer of its own shape. */
        String weight(String key) {
            NDArray a = array(key);
            return g.floats(key, a.getShape().getShape(), a.toFloatArray());
        }

        private float[] floats(String key) {
            return array(key).toFloatArray();
        }

        private NDArray array(String key) {
            Parameter p = params.get(key);
            if (p == null || !p.isInitialized()) {
                throw new SiglipException("ONNX export: the model has no weight " + key);
            }
            return p.getArray();
        }

        /** A shared int64 vector constant. */
        private String ints(long... v) {
            return constants.computeIfAbsent("i" + java.util.Arrays.toString(v),
                    k -> g.int64s("shape", new long[] {v.length}, v));
        }

        /** A shared float scalar constant. */
        private String constant(float v) {
            return constants.computeIfAbsent("f" + Float.floatToRawIntBits(v), k -> g.scalar("const", v));
        }
    }
}
