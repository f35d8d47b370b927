package org.siglip4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.fuzz.FuzzHarness;
import org.siglip4j.core.fuzz.Mutator;
import org.siglip4j.core.testing.Fixtures;

/**
 * Mutation fuzzing of the {@code config.json} parser ({@link SiglipConfig#fromJson}) with the
 * fixture's full-form config and the classification head's diff-form config as seeds: blind byte
 * mutations, numbers replaced by extremes (2^31, 1e309, -1, NaN, strings, lists), and keys given
 * values of the wrong JSON type. An accepted config must also survive its own round trip.
 */
class ConfigFuzzTest {
    private static final String[] KEYS = {"hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_channels", "image_size", "patch_size", "vocab_size", "max_position_embeddings",
        "layer_norm_eps", "attention_dropout", "hidden_act", "num_labels", "id2label", "label2id", "architectures",
        "model_type", "text_config", "vision_config", "initializer_factor", "torch_dtype", "pad_token_id",
        "projection_size", "vision_use_head"};
    private static final String[] VALUES = {"null", "[]", "{}", "[1,2]", "\"x\"", "true", "-1", "0", "2147483648",
        "1e309", "1.5", "{\"0\":[]}", "{\"-1\":\"a\"}", "{\"0\":\"a\",\"2\":\"b\"}", "[[],{}]", "\"siglip\"",
        "\"clip\"", "2000000000", "100000000", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"};

    /** Replaces the value after one {@code "key":} by a value of another type or an extreme one. */
    static byte[] wrongValue(byte[] seed, Random rnd) {
        String s = new String(seed, StandardCharsets.UTF_8);
        String key = "\"" + KEYS[rnd.nextInt(KEYS.length)] + "\"";
        int at = s.indexOf(key);
        if (at < 0) {
            // add it at the top level (or inside a tower) instead
            int brace = rnd.nextBoolean() ? s.indexOf('{') : s.indexOf('{', Math.max(0, s.indexOf("_config")));
            if (brace < 0) {
                return seed;
            }
            s = s.substring(0, brace + 1) + key + ": " + VALUES[rnd.nextInt(VALUES.length)] + ","
                    + s.substring(brace + 1);
            return s.getBytes(StandardCharsets.UTF_8);
        }
        int colon = s.indexOf(':', at);
        int end = colon + 1;
        int depth = 0;
        boolean inString = false;
        for (; end < s.length(); end++) {
            char c = s.charAt(end);
            if (inString) {
                if (c == '\\') {
                    end++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    break;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            }
        }
        s = s.substring(0, colon + 1) + " " + VALUES[rnd.nextInt(VALUES.length)] + s.substring(end);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mutatedConfigsParseOrFailWithAMessage() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.file("config.json"));
        byte[] diff = Files.readAllBytes(Fixtures.file("classification/config.json"));
        Mutator mutator = new Mutator(List.of(full, diff));
        int[] roundTrips = {0};
        FuzzHarness.Report r = FuzzHarness.run("config.json", FuzzHarness.iterations(), rnd -> {
            byte[] seed = mutator.seeds().get(rnd.nextInt(2)).clone();
            int kind = rnd.nextInt(10);
            if (kind < 4) {
                return mutator.mutate(seed, rnd);
            }
            if (kind < 7) {
                return Mutator.replaceNumber(seed, rnd);
            }
            byte[] out = wrongValue(seed, rnd);
            return rnd.nextBoolean() ? out : wrongValue(out, rnd);
        }, input -> {
            SiglipConfig c = SiglipConfig.fromJson(new String(input, StandardCharsets.UTF_8));
            SiglipConfig again = SiglipConfig.fromJson(c.toJson());
            assertEquals(c.toJson(), again.toJson(), "round trip");
            roundTrips[0]++;
        }, List.of(), 10, 64L << 20);
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() > 0 && r.rejected() > 0, r.toString());
    }
}
