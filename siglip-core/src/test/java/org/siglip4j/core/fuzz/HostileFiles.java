package org.siglip4j.core.fuzz;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.siglip4j.core.checkpoint.SafetensorsReader;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

/**
 * Structure-aware generators of hostile files for siglip-core's readers: each builds a file from
 * its format's grammar (a safetensors header entry by entry, a config.json key by key, a
 * tokenizer.json component by component, a sentencepiece protobuf field by field, PNG chunks and
 * JPEG markers), choosing counts, lengths, nesting and values to be extreme or to contradict each
 * other. Every file goes through the public entry point a user would call.
 */
public final class HostileFiles {
    private HostileFiles() {}

    /** The kinds, for {@link FuzzRunner}. */
    public static List<HostileKind> kinds() {
        return List.of(new Safetensors(), new Config(), new TokenizerJson(), new Spiece(), new Image());
    }

    /** Integers that break arithmetic: zero, one, sign and width edges. */
    static final long[] EDGES = {0, 1, 2, 3, 7, 255, 256, 65_535, 65_536, Integer.MAX_VALUE, 1L << 31, 1L << 32,
        (1L << 53) + 1, Long.MAX_VALUE, -1, Integer.MIN_VALUE};
    /** JSON values of every type, extreme numbers and deep nesting among them. */
    static final String[] VALUES = {"null", "true", "[]", "{}", "\"\"", "\"x\"", "0", "-1", "1.5", "1e309", "-1e309",
        "2147483648", "9223372036854775808", "1000000", "NaN", "[1,2]", "{\"a\":{\"b\":[1]}}", "\"\\u0000\""};

    static long edge(Random r) {
        return r.nextInt(3) == 0 ? r.nextInt(20) : EDGES[r.nextInt(EDGES.length)];
    }

    static String value(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> Long.toString(edge(r));
            case 1 -> deep(r);
            default -> VALUES[r.nextInt(VALUES.length)];
        };
    }

    /** Nesting from a few levels to far past any real file's. */
    static String deep(Random r) {
        int n = new int[] {3, 63, 64, 65, 300, 5_000, 100_000}[r.nextInt(7)];
        boolean arrays = r.nextBoolean();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(arrays ? "[" : "{\"k\":");
        }
        sb.append('1');
        for (int i = 0; i < n; i++) {
            sb.append(arrays ? ']' : '}');
        }
        return sb.toString();
    }

    static String str(Random r) {
        String[] s = {"", "a", "x.weight", "</s>", "<unk>", "\u2581", "café", "🙂", "\\u0000", "\\\"", "..", "/etc/passwd",
            "a b", "[CLS]", "<0x41>", "\\uD800"};
        return r.nextInt(20) == 0 ? "x".repeat(1 + r.nextInt(100_000)) : s[r.nextInt(s.length)];
    }

    static String q(String s) {
        return "\"" + s + "\"";
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- safetensors

    /** Headers entry by entry: dtypes, shapes and offsets that agree, or lie, about the data. */
    static final class Safetensors implements HostileKind {
        private static final String[] DTYPES = {"F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL",
            "F8_E4M3", "f32", "", "C64", "U64"};
        private NDManager manager;

        @Override
        public String name() {
            return "safetensors";
        }

        @Override
        public byte[] generate(Random r) {
            int entries = new int[] {0, 1, 2, 5, 30, 2_000, 20_000}[r.nextInt(7)];
            StringBuilder h = new StringBuilder("{");
            long cursor = 0;
            boolean lie = r.nextInt(3) == 0;
            if (r.nextInt(4) == 0) {
                h.append("\"__metadata__\":").append(r.nextBoolean() ? "{\"format\":\"pt\"}" : value(r)).append(',');
            }
            for (int i = 0; i < entries; i++) {
                String dtype = DTYPES[r.nextInt(DTYPES.length)];
                int width = switch (dtype) {
                    case "F64", "I64" -> 8;
                    case "F32", "I32" -> 4;
                    case "F16", "BF16", "I16" -> 2;
                    default -> 1;
                };
                int rank = r.nextInt(20) == 0 ? 100 : r.nextInt(4);
                StringBuilder shape = new StringBuilder("[");
                long numel = 1;
                for (int d = 0; d < rank; d++) {
                    long dim = lie && r.nextInt(4) == 0 ? edge(r) : r.nextInt(5);
                    numel *= dim;
                    shape.append(d > 0 ? "," : "").append(dim);
                }
                shape.append(']');
                long bytes = numel * width;
                long begin = lie && r.nextInt(4) == 0 ? edge(r) : cursor;
                long end = lie && r.nextInt(4) == 0 ? edge(r) : begin + bytes;
                cursor = Math.max(cursor, end);
                String name = entries > 100 ? "t" + i : (r.nextInt(10) == 0 ? str(r) : "t" + i);
                h.append(i > 0 ? "," : "").append(q(name)).append(":{");
                h.append("\"dtype\":").append(r.nextInt(30) == 0 ? value(r) : q(dtype));
                h.append(",\"shape\":").append(r.nextInt(30) == 0 ? value(r) : shape);
                h.append(",\"data_offsets\":").append(r.nextInt(30) == 0 ? value(r) : "[" + begin + "," + end + "]");
                if (r.nextInt(30) == 0) {
                    h.append(",\"extra\":").append(value(r));
                }
                h.append('}');
            }
            h.append('}');
            if (r.nextInt(10) == 0) {
                h.append(r.nextBoolean() ? " ".repeat(r.nextInt(9)) : "garbage");
            }
            byte[] header = utf8(h.toString());
            long data = Math.min(Math.max(0, cursor), 1 << 20) + (lie ? r.nextInt(9) - 4 : 0);
            long declared = r.nextInt(8) == 0 ? edge(r) : header.length;
            ByteBuffer b = ByteBuffer.allocate((int) (8 + header.length + Math.max(0, data))).order(ByteOrder.LITTLE_ENDIAN);
            b.putLong(declared).put(header);
            return b.array();
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            if (manager == null) {
                manager = NDManager.newBaseManager();
            }
            Path f = work.resolve("x.safetensors");
            Files.write(f, input);
            try (SafetensorsReader reader = SafetensorsReader.open(f); NDManager m = manager.newSubManager()) {
                for (String name : reader.tensors().keySet()) {
                    reader.load(name, m).close();
                }
            }
        }
    }

    // ---------------------------------------------------------------- config.json

    /** config.json key by key, next to the fixture model, through {@code SiglipModel.fromPretrained}. */
    static final class Config implements HostileKind {
        private static final String[] TOWER_KEYS = {"hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_channels", "image_size", "patch_size", "vocab_size", "max_position_embeddings",
            "layer_norm_eps", "attention_dropout", "hidden_act", "projection_size", "vision_use_head", "pad_token_id"};
        private static final String[] TOP_KEYS = {"model_type", "architectures", "id2label", "num_labels",
            "initializer_factor", "torch_dtype", "label2id"};
        private NDManager manager;

        @Override
        public String name() {
            return "config.json";
        }

        @Override
        public long modelBytes() {
            return Fixtures.file("model.safetensors").toFile().length();
        }

        private static String tower(Random r) {
            StringBuilder sb = new StringBuilder("{");
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                String k = r.nextInt(8) == 0 ? str(r) : TOWER_KEYS[r.nextInt(TOWER_KEYS.length)];
                String v = switch (r.nextInt(4)) {
                    case 0 -> Long.toString(edge(r));
                    case 1 -> value(r);
                    case 2 -> Long.toString(r.nextInt(4) == 0 ? 1_000_000 : 1 + r.nextInt(64));
                    default -> k.equals("hidden_act") ? q("gelu_pytorch_tanh") : Long.toString(1 + r.nextInt(8) * 8);
                };
                sb.append(i > 0 ? "," : "").append(q(k)).append(':').append(v);
            }
            return sb.append('}').toString();
        }

        @Override
        public byte[] generate(Random r) {
            if (r.nextBoolean()) {
                // the fixture's config with one or two tower fields changed: reaches the model builder
                com.google.gson.JsonObject o;
                try {
                    o = com.google.gson.JsonParser.parseString(Files.readString(Fixtures.file("config.json")))
                            .getAsJsonObject();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                int changes = 1 + r.nextInt(2);
                for (int i = 0; i < changes; i++) {
                    com.google.gson.JsonObject t = o.getAsJsonObject(r.nextBoolean() ? "text_config" : "vision_config");
                    String k = TOWER_KEYS[r.nextInt(TOWER_KEYS.length)];
                    long v = new long[] {1, 2, 8, 16, 1_000_000, 100_000, 65_536, Integer.MAX_VALUE}[r.nextInt(8)];
                    if (r.nextInt(3) == 0) {
                        t.add(k, com.google.gson.JsonParser.parseString(VALUES[r.nextInt(VALUES.length)]));
                    } else {
                        t.addProperty(k, v);
                    }
                }
                return utf8(o.toString());
            }
            StringBuilder sb = new StringBuilder("{\"model_type\":").append(r.nextInt(8) == 0 ? value(r) : q("siglip"));
            sb.append(",\"text_config\":").append(r.nextInt(10) == 0 ? value(r) : tower(r));
            sb.append(",\"vision_config\":").append(r.nextInt(10) == 0 ? value(r) : tower(r));
            int extra = r.nextInt(4);
            for (int i = 0; i < extra; i++) {
                String k = r.nextBoolean() ? TOP_KEYS[r.nextInt(TOP_KEYS.length)] : "unknown_" + i;
                sb.append(',').append(q(k)).append(':').append(value(r));
            }
            return utf8(sb.append('}').toString());
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            if (manager == null) {
                manager = NDManager.newBaseManager();
                Files.copy(Fixtures.file("model.safetensors"), work.resolve("model.safetensors"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            Files.write(work.resolve("config.json"), input);
            SiglipModel.fromPretrained(work, manager, false).close();
        }
    }

    // ---------------------------------------------------------------- tokenizer.json

    /** tokenizer.json component by component: model, added tokens, normaliser, pre-tokeniser, post-processor. */
    static final class TokenizerJson implements HostileKind {
        static final List<String> TEXTS = List.of("A photo of a cat", "", "café 🙂 \u0000 ▁", "[CLS] </s> <unk>",
                "zzzz qqqq", "x".repeat(300));

        @Override
        public String name() {
            return "tokenizer.json";
        }

        private static List<String> vocab(Random r) {
            int n = new int[] {0, 1, 3, 10, 40}[r.nextInt(5)];
            List<String> v = new ArrayList<>();
            String[] base = {"<unk>", "</s>", "<pad>", "[UNK]", "a", "b", "c", "ab", "▁a", "▁", "cat", "photo", "<0x41>",
                "##a", "[CLS]", "[SEP]", "Ġa"};
            for (int i = 0; i < n; i++) {
                v.add(r.nextInt(5) == 0 ? str(r) : base[r.nextInt(base.length)] + (r.nextInt(3) == 0 ? i : ""));
            }
            return v;
        }

        private static String model(Random r, List<String> v, boolean sane) {
            String type = new String[] {"BPE", "WordPiece", "WordLevel", "Unigram", "Unigram", "Nope"}[r.nextInt(sane ? 5 : 6)];
            StringBuilder sb = new StringBuilder("{\"type\":" + q(type));
            if (sane) {
                v.remove("<unk>");
                v.add(0, "<unk>");
            }
            String unk = sane ? "<unk>" : r.nextInt(4) == 0 ? str(r) : v.isEmpty() ? "<unk>" : v.get(r.nextInt(v.size()));
            if (type.equals("Unigram")) {
                sb.append(",\"vocab\":[");
                for (int i = 0; i < v.size(); i++) {
                    sb.append(i > 0 ? "," : "").append("[").append(q(v.get(i))).append(",")
                            .append(!sane && r.nextInt(10) == 0 ? value(r) : Double.toString(-r.nextInt(20))).append("]");
                }
                sb.append("],\"unk_id\":").append(sane ? "0" : r.nextInt(3) == 0 ? "null" : r.nextInt(4) == 0 ? Long.toString(edge(r))
                        : Integer.toString(v.isEmpty() ? 0 : r.nextInt(v.size())));
                sb.append(",\"byte_fallback\":").append(r.nextBoolean());
            } else {
                sb.append(",\"vocab\":{");
                for (int i = 0; i < v.size(); i++) {
                    sb.append(i > 0 ? "," : "").append(q(v.get(i))).append(":")
                            .append(!sane && r.nextInt(15) == 0 ? Long.toString(edge(r)) : Integer.toString(i));
                }
                sb.append("},\"unk_token\":").append(!sane && r.nextInt(5) == 0 ? "null" : q(unk));
                if (type.equals("BPE")) {
                    sb.append(",\"merges\":[");
                    int m = v.size() < 2 ? 0 : r.nextInt(5);
                    for (int i = 0; i < m; i++) {
                        sb.append(i > 0 ? "," : "").append(q(v.get(r.nextInt(v.size())) + " " + v.get(r.nextInt(v.size()))));
                    }
                    sb.append("],\"byte_fallback\":").append(r.nextBoolean()).append(",\"dropout\":")
                            .append(r.nextInt(5) == 0 ? value(r) : "null");
                }
                if (type.equals("WordPiece")) {
                    sb.append(",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":")
                            .append(r.nextInt(4) == 0 ? Long.toString(edge(r)) : "100");
                }
            }
            return sb.append('}').toString();
        }

        private static String component(Random r, String[] types, int depth) {
            String t = types[r.nextInt(types.length)];
            return switch (t) {
                case "null" -> "null";
                case "Sequence" -> {
                    if (depth > 3) {
                        yield "null";
                    }
                    String field = types[0].equals("null") && types.length > 8 ? "normalizers" : "pretokenizers";
                    StringBuilder sb = new StringBuilder("{\"type\":\"Sequence\",\"" + field + "\":[");
                    int n = r.nextInt(3);
                    for (int i = 0; i < n; i++) {
                        sb.append(i > 0 ? "," : "").append(component(r, types, depth + 1));
                    }
                    yield sb.append("]}").toString();
                }
                case "Replace", "Split" -> "{\"type\":\"" + t + "\",\"pattern\":{\""
                        + (r.nextBoolean() ? "Regex" : "String") + "\":" + q(new String[] {"a", "(a+)+$", "[", "\\\\s+",
                            "", "(?=x)", ".*.*.*=.*"}[r.nextInt(7)]) + "},\"content\":\"b\",\"behavior\":\"Isolated\","
                        + "\"invert\":false}";
                case "Precompiled" -> "{\"type\":\"Precompiled\",\"precompiled_charsmap\":" + q(r.nextBoolean() ? ""
                        : Base64.getEncoder().encodeToString(randomBytes(r, r.nextInt(64)))) + "}";
                case "Metaspace" -> "{\"type\":\"Metaspace\",\"replacement\":" + q(r.nextInt(4) == 0 ? str(r) : "▁")
                        + ",\"prepend_scheme\":" + q(r.nextBoolean() ? "always" : "first") + ",\"split\":" + r.nextBoolean() + "}";
                case "Strip" -> "{\"type\":\"Strip\",\"strip_left\":" + r.nextBoolean() + ",\"strip_right\":true}";
                case "ByteLevel" -> "{\"type\":\"ByteLevel\",\"add_prefix_space\":" + r.nextBoolean()
                        + ",\"trim_offsets\":true,\"use_regex\":" + r.nextBoolean() + "}";
                default -> "{\"type\":\"" + t + "\"}";
            };
        }

        private static String postProcessor(Random r, List<String> v, boolean sane) {
            return switch (r.nextInt(5)) {
                case 0 -> "null";
                case 1 -> "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\"," + edge(r) + "],\"cls\":[\"[CLS]\",1]}";
                case 2 -> "{\"type\":\"Sequence\",\"processors\":[" + template(r, sane) + "]}";
                default -> template(r, sane);
            };
        }

        private static String template(Random r, boolean sane) {
            String[] names = {"</s>", "[CLS]", "[SEP]"};
            StringBuilder special = new StringBuilder("{");
            int n = sane ? 3 : r.nextInt(3);
            for (int i = 0; i < n; i++) {
                int ids = sane ? 1 : r.nextInt(3);
                int tokens = !sane && r.nextInt(5) == 0 ? r.nextInt(3) : ids;
                special.append(i > 0 ? "," : "").append(q(names[i])).append(":{\"id\":").append(q(names[i]))
                        .append(",\"ids\":[").append("1,".repeat(ids).replaceAll(",$", "")).append("],\"tokens\":[")
                        .append((q(names[i]) + ",").repeat(tokens).replaceAll(",$", "")).append("]}");
            }
            special.append('}');
            String piece = "{\"SpecialToken\":{\"id\":" + q(names[r.nextInt(names.length)]) + ",\"type_id\":0}}";
            String seq = "{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}";
            return "{\"type\":\"TemplateProcessing\",\"single\":[" + seq + (r.nextBoolean() ? "," + piece : "")
                    + "],\"pair\":[" + seq + ",{\"Sequence\":{\"id\":\"B\",\"type_id\":1}}" + (r.nextBoolean() ? "," + piece : "")
                    + "],\"special_tokens\":" + special + "}";
        }

        private static String addedTokens(Random r, List<String> v, boolean sane) {
            int n = new int[] {0, 1, 3, 10, 10_001, 100_000}[r.nextInt(!sane && r.nextInt(20) == 0 ? 6 : 4)];
            StringBuilder sb = new StringBuilder("[");
            if (sane) {
                // SigLIP pads with </s>: a file without it (and without a padding block) is refused
                sb.append("{\"content\":\"</s>\",\"id\":").append(v.size() + n).append(",\"special\":true,"
                        + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false}");
            }
            String[] shortTokens = {"a", "</s>", "[CLS]", "café", "🙂", "a b", "..", " ", "\\u0000"};
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 || sane ? "," : "").append('{');
                if (sane || r.nextInt(20) != 0) {
                    sb.append("\"content\":").append(n > 100 ? q("tok" + i) : sane ? q(shortTokens[r.nextInt(shortTokens.length)])
                            : r.nextInt(10) == 0 ? value(r) : q(str(r))).append(',');
                }
                sb.append("\"id\":").append(!sane && r.nextInt(15) == 0 ? value(r) : Integer.toString(v.size() + i));
                sb.append(",\"special\":").append(r.nextBoolean()).append(",\"single_word\":").append(r.nextBoolean())
                        .append(",\"lstrip\":").append(r.nextBoolean()).append(",\"rstrip\":false,\"normalized\":")
                        .append(r.nextBoolean()).append('}');
            }
            return sb.append(']').toString();
        }

        @Override
        public byte[] generate(Random r) {
            boolean sane = r.nextBoolean();
            List<String> v = new ArrayList<>(vocab(r));
            String[] normalizers = {"null", "Lowercase", "NFKC", "NFD", "Strip", "StripAccents", "Replace", "Precompiled",
                "Sequence", "Nope"};
            String[] pre = {"null", "Whitespace", "Metaspace", "ByteLevel", "Split", "Sequence", "BertPreTokenizer", "Digits"};
            String[] dec = {"null", "Metaspace", "ByteLevel", "WordPiece", "ByteFallback", "Fuse"};
            String padding = sane || r.nextInt(3) == 0 ? "null" : "{\"strategy\":{\"Fixed\":" + (r.nextBoolean() ? 16 : edge(r))
                    + "},\"direction\":\"Right\",\"pad_to_multiple_of\":" + (r.nextBoolean() ? "null" : edge(r))
                    + ",\"pad_id\":" + edge(r) + ",\"pad_type_id\":0,\"pad_token\":\"</s>\"}";
            String truncation = sane || r.nextInt(2) == 0 ? "null" : "{\"direction\":\"Right\",\"max_length\":" + edge(r)
                    + ",\"strategy\":\"LongestFirst\",\"stride\":" + edge(r) + "}";
            String s = "{\"version\":\"1.0\",\"truncation\":" + truncation + ",\"padding\":" + padding
                    + ",\"added_tokens\":" + (!sane && r.nextInt(15) == 0 ? value(r) : addedTokens(r, v, sane))
                    + ",\"normalizer\":" + component(r, normalizers, 0)
                    + ",\"pre_tokenizer\":" + component(r, pre, 0)
                    + ",\"post_processor\":" + postProcessor(r, v, sane)
                    + ",\"decoder\":" + component(r, dec, 0)
                    + ",\"model\":" + (!sane && r.nextInt(15) == 0 ? value(r) : model(r, v, sane)) + "}";
            return utf8(s);
        }

        @Override
        public void run(byte[] input, Path work) {
            // through the file, as a model folder is loaded: the size check runs before anything is read
            Path file = work.resolve("tokenizer.json");
            try {
                Files.write(file, input);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            try (SiglipTokenizer t = SiglipTokenizer.load(work)) {
                t.encode(TEXTS);
                t.tokenize(TEXTS.get(2));
                t.decode(new long[] {0, 1, 2, 5, 1_000_000});
            }
        }
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- spiece.model

    /** sentencepiece ModelProto field by field: pieces, trainer spec ids, normaliser charsmap. */
    static final class Spiece implements HostileKind {
        @Override
        public String name() {
            return "spiece.model";
        }

        @Override
        public byte[] generate(Random r) {
            if (r.nextBoolean()) {
                return plausible(r);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int n = new int[] {0, 1, 3, 8, 50, 3_000}[r.nextInt(6)];
            String[] texts = {"<unk>", "</s>", "<pad>", "▁", "▁a", "a", "b", "ab", "<0x41>", "<0x00>", "", "\u0301", "🙂", "x".repeat(200)};
            for (int i = 0; i < n; i++) {
                ByteArrayOutputStream p = new ByteArrayOutputStream();
                bytes(p, 1, utf8(i < 3 && r.nextBoolean() ? texts[i] : texts[r.nextInt(texts.length)] + (r.nextBoolean() ? i : "")));
                tag(p, 2, 5);
                int bits = Float.floatToIntBits(new float[] {0, -1, -5.5f, Float.NaN, Float.NEGATIVE_INFINITY, 1e30f,
                    -r.nextInt(100)}[r.nextInt(7)]);
                for (int k = 0; k < 4; k++) {
                    p.write(bits >>> (8 * k));
                }
                if (r.nextInt(3) == 0) {
                    tag(p, 3, 0);
                    varint(p, r.nextInt(4) == 0 ? edge(r) : 1 + r.nextInt(6));
                }
                bytes(out, 1, r.nextInt(40) == 0 ? randomBytes(r, r.nextInt(20)) : p.toByteArray());
            }
            ByteArrayOutputStream t = new ByteArrayOutputStream();
            tag(t, 3, 0);
            varint(t, r.nextInt(4) == 0 ? edge(r) : 1 + r.nextInt(2));
            tag(t, 35, 0);
            varint(t, r.nextInt(2));
            for (int f = 40; f < 44; f++) {
                tag(t, f, 0);
                varint(t, r.nextInt(3) == 0 ? edge(r) : f == 43 ? -1 : f - 40);
            }
            bytes(out, 2, t.toByteArray());
            ByteArrayOutputStream norm = new ByteArrayOutputStream();
            bytes(norm, 1, utf8(r.nextBoolean() ? "nmt_nfkc" : "identity"));
            if (r.nextBoolean()) {
                byte[] cm = randomBytes(r, r.nextInt(200));
                if (cm.length >= 4 && r.nextBoolean()) {
                    ByteBuffer.wrap(cm).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) edge(r));
                }
                bytes(norm, 2, cm);
            }
            tag(norm, 3, 0);
            varint(norm, r.nextInt(2));
            bytes(out, 3, norm.toByteArray());
            byte[] b = out.toByteArray();
            if (r.nextInt(6) == 0 && b.length > 0) {
                // a length prefix that lies
                int at = r.nextInt(b.length);
                b[at] = (byte) (0x80 | r.nextInt(256));
            }
            return b;
        }

        /**
         * A Unigram model sentencepiece would load (specials first, finite scores, known types),
         * whose pieces are awkward: duplicates, empty-looking, combining marks, byte pieces, long.
         */
        static byte[] plausible(Random r) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String[] texts = {"▁", "▁a", "a", "b", "ab", "<0x41>", "<0x00>", "\u0301", "🙂", "▁▁", "x".repeat(1 + r.nextInt(2_000)),
                "</s>", "café", "ＦＵＬＬ"};
            int n = 3 + r.nextInt(r.nextInt(10) == 0 ? 5_000 : 40);
            for (int i = 0; i < n; i++) {
                ByteArrayOutputStream p = new ByteArrayOutputStream();
                String text = i == 0 ? "<unk>" : i == 1 ? "</s>" : i == 2 ? "<pad>" : texts[r.nextInt(texts.length)]
                        + (r.nextInt(10) == 0 ? "" : Integer.toString(i));
                bytes(p, 1, utf8(text));
                tag(p, 2, 5);
                int bits = Float.floatToIntBits(i < 3 ? 0f : -r.nextInt(30) - r.nextFloat());
                for (int k = 0; k < 4; k++) {
                    p.write(bits >>> (8 * k));
                }
                int type = i == 0 ? 2 : i < 3 ? 3 : r.nextInt(8) == 0 ? 1 + r.nextInt(6) : 1;
                tag(p, 3, 0);
                varint(p, type);
                bytes(out, 1, p.toByteArray());
            }
            ByteArrayOutputStream t = new ByteArrayOutputStream();
            tag(t, 3, 0);
            varint(t, 1);
            tag(t, 35, 0);
            varint(t, r.nextInt(5) == 0 ? 1 : 0);
            int[] ids = {0, -1, 1, 2};
            for (int f = 40; f < 44; f++) {
                tag(t, f, 0);
                varint(t, ids[f - 40]);
            }
            bytes(out, 2, t.toByteArray());
            ByteArrayOutputStream norm = new ByteArrayOutputStream();
            bytes(norm, 1, utf8("identity"));
            tag(norm, 3, 0);
            varint(norm, r.nextInt(2));
            bytes(out, 3, norm.toByteArray());
            return out.toByteArray();
        }

        @Override
        public void run(byte[] input, Path work) throws Exception {
            Files.write(work.resolve("spiece.model"), input);
            try (SiglipTokenizer t = SiglipTokenizer.load(work)) {
                t.encode(TokenizerJson.TEXTS);
                t.decode(new long[] {0, 1, 2, 3, 7, 100_000});
            }
        }
    }

    static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, (long) field << 3 | wire);
    }

    static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) (v & 0x7F | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }

    static void bytes(ByteArrayOutputStream o, int field, byte[] b) {
        tag(o, field, 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    // ---------------------------------------------------------------- images

    /** PNG chunk by chunk and JPEG marker by marker, with sizes, depths and lengths that lie. */
    static final class Image implements HostileKind {
        private SiglipImageProcessor processor;

        @Override
        public String name() {
            return "image";
        }

        @Override
        public byte[] generate(Random r) {
            return r.nextBoolean() ? png(r) : jpeg(r);
        }

        static byte[] png(Random r) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
            long w = r.nextInt(3) == 0 ? edge(r) : 1 + r.nextInt(64);
            long h = r.nextInt(3) == 0 ? edge(r) : 1 + r.nextInt(64);
            int depth = new int[] {1, 2, 4, 8, 16, 3}[r.nextInt(6)];
            int color = new int[] {0, 2, 3, 4, 6, 5}[r.nextInt(6)];
            ByteBuffer ihdr = ByteBuffer.allocate(13);
            ihdr.putInt((int) w).putInt((int) h).put((byte) depth).put((byte) color).put((byte) 0).put((byte) 0)
                    .put((byte) (r.nextInt(4) == 0 ? 1 : 0));
            chunk(o, "IHDR", ihdr.array(), r);
            if (color == 3 || r.nextInt(5) == 0) {
                chunk(o, "PLTE", randomBytes(r, 3 * r.nextInt(300)), r);
            }
            if (r.nextInt(4) == 0) {
                chunk(o, "tRNS", randomBytes(r, r.nextInt(300)), r);
            }
            // image data: zeros that inflate to what the header promises (a small bomb when it promises much)
            long rowBytes = (Math.max(1, Math.min(w, 20_000)) * depth * 4 + 7) / 8 + 1;
            int raw = (int) Math.min(rowBytes * Math.max(1, Math.min(h, 20_000)), r.nextInt(4) == 0 ? 64L << 20 : 1 << 16);
            byte[] z = deflate(new byte[raw]);
            int cut = r.nextInt(5) == 0 ? r.nextInt(z.length + 1) : z.length;
            chunk(o, "IDAT", java.util.Arrays.copyOf(z, cut), r);
            if (r.nextInt(6) != 0) {
                chunk(o, "IEND", new byte[0], r);
            }
            return o.toByteArray();
        }

        static byte[] deflate(byte[] b) {
            Deflater d = new Deflater(9);
            d.setInput(b);
            d.finish();
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) {
                o.write(buf, 0, d.deflate(buf));
            }
            d.end();
            return o.toByteArray();
        }

        static void chunk(ByteArrayOutputStream o, String type, byte[] data, Random r) {
            ByteBuffer b = ByteBuffer.allocate(12 + data.length);
            b.putInt(r.nextInt(40) == 0 ? (int) edge(r) : data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
            CRC32 crc = new CRC32();
            crc.update(type.getBytes(StandardCharsets.US_ASCII));
            crc.update(data);
            b.putInt(r.nextInt(30) == 0 ? r.nextInt() : (int) crc.getValue());
            o.writeBytes(b.array());
        }

        static byte[] jpeg(Random r) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD8});
            if (r.nextBoolean()) {
                // EXIF with an orientation entry whose count and offset may lie
                ByteBuffer t = ByteBuffer.allocate(32).order(r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                t.put(t.order() == ByteOrder.BIG_ENDIAN ? new byte[] {'M', 'M'} : new byte[] {'I', 'I'}).putShort((short) 42)
                        .putInt(r.nextInt(3) == 0 ? (int) edge(r) : 8).putShort((short) (r.nextInt(3) == 0 ? edge(r) : 1))
                        .putShort((short) 0x0112).putShort((short) 3).putInt(r.nextInt(3) == 0 ? (int) edge(r) : 1)
                        .putShort((short) r.nextInt(10));
                byte[] exif = new byte[6 + 32];
                System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 0, 6);
                System.arraycopy(t.array(), 0, exif, 6, 32);
                segment(o, 0xE1, exif, r);
            }
            if (r.nextInt(4) == 0) {
                segment(o, 0xE2, randomBytes(r, r.nextInt(500)), r); // an ICC profile fragment
            }
            byte[] dqt = new byte[65];
            java.util.Arrays.fill(dqt, (byte) 1);
            segment(o, 0xDB, dqt, r);
            int comps = new int[] {1, 3, 4, 0, 2}[r.nextInt(5)];
            ByteBuffer sof = ByteBuffer.allocate(6 + 3 * comps);
            sof.put((byte) 8).putShort((short) (r.nextInt(3) == 0 ? edge(r) : 1 + r.nextInt(64)))
                    .putShort((short) (r.nextInt(3) == 0 ? edge(r) : 1 + r.nextInt(64))).put((byte) comps);
            for (int c = 0; c < comps; c++) {
                sof.put((byte) (c + 1)).put((byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 0x11)).put((byte) 0);
            }
            segment(o, r.nextInt(4) == 0 ? 0xC2 : 0xC0, sof.array(), r);
            segment(o, 0xC4, randomBytes(r, 17 + r.nextInt(40)), r);
            byte[] sos = new byte[4 + 2 * comps];
            sos[0] = (byte) comps;
            segment(o, 0xDA, sos, r);
            o.writeBytes(randomBytes(r, r.nextInt(2000)));
            if (r.nextBoolean()) {
                o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD9});
            }
            return o.toByteArray();
        }

        static void segment(ByteArrayOutputStream o, int marker, byte[] data, Random r) {
            int len = r.nextInt(30) == 0 ? (int) edge(r) : data.length + 2;
            o.writeBytes(new byte[] {(byte) 0xFF, (byte) marker, (byte) (len >> 8), (byte) len});
            o.writeBytes(data);
        }

        @Override
        public void run(byte[] input, Path work) {
            if (processor == null) {
                processor = SiglipImageProcessor.load(Fixtures.dir()).withParallel(false);
            }
            RgbImage img = ImageLoader.decode(input, "fuzzed image");
            processor.preprocess(img);
        }
    }
}
