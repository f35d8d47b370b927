package org.siglip4j.core.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.siglip4j.core.SiglipException;

/**
 * Configurations of the published {@code google/siglip-*} checkpoints, by short name
 * ({@code base-patch16-224}) or Hub id ({@code google/siglip-base-patch16-224}). Sizes follow
 * transformers' {@code convert_siglip_to_hf.py} and the checkpoints' config.json files.
 */
public final class SiglipPresets {
    /** Gemma's vocabulary, the text vocabulary of every SigLIP 2 checkpoint. */
    static final int GEMMA_VOCAB = 256_000;
    private static final Map<String, SiglipConfig> PRESETS = new LinkedHashMap<>();

    static {
        for (int size : new int[] {224, 256, 384, 512}) {
            put("base-patch16-" + size, tower(32000, 768, 3072, 12, 12, 64), vision(768, 3072, 12, 12, size, 16));
        }
        put("base-patch16-256-multilingual", tower(250000, 768, 3072, 12, 12, 64), vision(768, 3072, 12, 12, 256, 16));
        for (int size : new int[] {256, 384}) {
            put("large-patch16-" + size, tower(32000, 1024, 4096, 24, 16, 64), vision(1024, 4096, 24, 16, size, 16));
        }
        // So400m/14 at 224 was trained with 16 text tokens (big_vision), at 384 with 64.
        put("so400m-patch14-224", tower(32000, 1152, 4304, 27, 16, 16), vision(1152, 4304, 27, 16, 224, 14));
        put("so400m-patch14-384", tower(32000, 1152, 4304, 27, 16, 64), vision(1152, 4304, 27, 16, 384, 14));
        put("so400m-patch16-256-i18n", tower(250000, 1152, 4304, 27, 16, 64), vision(1152, 4304, 27, 16, 256, 16));
        // SigLIP 2 FixRes (google/siglip2-*): SigLIP 1's module tree, Gemma's 256k vocabulary, 64 tokens
        for (int size : new int[] {224, 256, 384, 512}) {
            put("siglip2-base-patch16-" + size, tower(GEMMA_VOCAB, 768, 3072, 12, 12, 64),
                    vision(768, 3072, 12, 12, size, 16));
        }
        put("siglip2-base-patch32-256", tower(GEMMA_VOCAB, 768, 3072, 12, 12, 64), vision(768, 3072, 12, 12, 256, 32));
        for (int size : new int[] {256, 384, 512}) {
            put("siglip2-large-patch16-" + size, tower(GEMMA_VOCAB, 1024, 4096, 24, 16, 64),
                    vision(1024, 4096, 24, 16, size, 16));
        }
        for (int size : new int[] {224, 384}) {
            put("siglip2-so400m-patch14-" + size, tower(GEMMA_VOCAB, 1152, 4304, 27, 16, 64),
                    vision(1152, 4304, 27, 16, size, 14));
        }
        for (int size : new int[] {256, 384, 512}) {
            put("siglip2-so400m-patch16-" + size, tower(GEMMA_VOCAB, 1152, 4304, 27, 16, 64),
                    vision(1152, 4304, 27, 16, size, 16));
        }
    }


    private SiglipPresets() {}

    private static SiglipTextConfig tower(int vocab, int d, int i, int layers, int heads, int maxPos) {
        return new SiglipTextConfig(vocab, d, i, layers, heads, maxPos, "gelu_pytorch_tanh", 1e-6, 0.0, 1, 49406,
                49407, d, null);
    }

    private static SiglipVisionConfig vision(int d, int i, int layers, int heads, int image, int patch) {
        return new SiglipVisionConfig(d, i, layers, heads, 3, image, patch, "gelu_pytorch_tanh", 1e-6, 0.0, true, null);
    }

    private static void put(String name, SiglipTextConfig text, SiglipVisionConfig vision) {
        PRESETS.put(name, SiglipConfig.of(text, vision));
    }

    /** Short names of every preset, in a stable order. */
    public static Set<String> names() {
        return PRESETS.keySet();
    }

    /**
     * The preset of that name.
     *
     * @param name short name or {@code google/siglip-<name>}; SigLIP 2 as {@code siglip2-<name>} or
     *     {@code google/siglip2-<name>}
     * @return the configuration
     */
    public static SiglipConfig get(String name) {
        SiglipConfig c = PRESETS.get(key(name));
        if (c == null) {
            throw new SiglipException("unknown SigLIP preset '" + name + "'; known: " + PRESETS.keySet());
        }
        return c;
    }

    /** Whether {@code name} names a preset, in any of the forms {@link #get} accepts. */
    public static boolean contains(String name) {
        return PRESETS.containsKey(key(name));
    }

    private static String key(String name) {
        return name.startsWith("google/siglip-") ? name.substring("google/siglip-".length())
                : name.startsWith("google/siglip2-") ? name.substring("google/".length()) : name;
    }
}
