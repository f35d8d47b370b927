package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
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
 * Mutation fuzzing of the {@code spiece.model} protobuf parser and the tokenizer.json converter.
 * Seeds: the fixture models re-encoded without their precompiled charsmap (~240 kB of trie bytes
 * in which blind mutations would mostly land), plus the real files with mutations kept to their
 * first 16 kB (pieces, specs) or to their charsmap; targeted lies: varint length prefixes of pieces and
 * sub-messages made longer than the file, 10-byte varints, negative and huge ids. Every accepted
 * model goes to the Java encoder (which refuses, like sentencepiece, or encodes {@link #TEXTS}) and
 * is converted and serialised; every 5th converted one also goes through the native Rust tokenizer
 * (which only ever sees what the Java side validated and wrote).
 */
class SentencePieceFuzzTest {
    /** Texts every accepted model must encode: specials, unknowns, combining marks, fullwidth, ties. */
    static final List<String> TEXTS = List.of("A photo of a cat, café 🙂", "</s> x <unk>y", "",
            "ＦＵＬＬ ＜ｐａｄ＞ \u0301é ooooo", "\u2581\u2581 \u0000\u0001 ▁ <0x41> \uD800", "x".repeat(500));

    /** Re-encodes a model's fields as protobuf, the charsmap cut to {@code charsmapBytes}. */
    static byte[] encode(SentencePieceModel m, int charsmapBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (SentencePieceModel.Piece p : m.pieces()) {
            ByteArrayOutputStream piece = new ByteArrayOutputStream();
            bytesField(piece, 1, p.piece().getBytes(StandardCharsets.UTF_8));
            tag(piece, 2, 5);
            int bits = Float.floatToIntBits(p.score());
            for (int i = 0; i < 4; i++) {
                piece.write(bits >>> (8 * i));
            }
            if (p.type() != SentencePieceModel.PieceType.NORMAL) {
                tag(piece, 3, 0);
                varint(piece, p.type().ordinal() + 1);
            }
            bytesField(out, 1, piece.toByteArray());
        }
        SentencePieceModel.TrainerSpec t = m.trainerSpec();
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        tag(trainer, 3, 0);
        varint(trainer, t.modelType().ordinal() + 1);
        tag(trainer, 4, 0);
        varint(trainer, t.vocabSize());
        tag(trainer, 35, 0);
        varint(trainer, t.byteFallback() ? 1 : 0);
        int[] ids = {t.unkId(), t.bosId(), t.eosId(), t.padId()};
        for (int i = 0; i < 4; i++) {
            tag(trainer, 40 + i, 0);
            varint(trainer, ids[i]);
        }
        bytesField(out, 2, trainer.toByteArray());
        ByteArrayOutputStream norm = new ByteArrayOutputStream();
        bytesField(norm, 1, m.normalizerSpec().name().getBytes(StandardCharsets.UTF_8));
        byte[] cm = m.normalizerSpec().precompiledCharsmap();
        bytesField(norm, 2, java.util.Arrays.copyOf(cm, Math.min(cm.length, charsmapBytes)));
        tag(norm, 3, 0);
        varint(norm, m.normalizerSpec().addDummyPrefix() ? 1 : 0);
        bytesField(out, 3, norm.toByteArray());
        return out.toByteArray();
    }

    static void tag(ByteArrayOutputStream o, int field, int wire) {
        varint(o, (long) field << 3 | wire);
    }

    static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }

    static void bytesField(ByteArrayOutputStream o, int field, byte[] b) {
        tag(o, field, 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    /** Overwrites the length varint of the k-th top-level field with a lie (same encoded width or wider). */
    static byte[] lyingLength(byte[] seed, Random rnd) {
        int pos = 0;
        int fields = 0;
        int target = rnd.nextInt(64);
        while (pos < seed.length) {
            int tagStart = pos;
            long tag = 0;
            for (int shift = 0; pos < seed.length; shift += 7) {
                byte b = seed[pos++];
                tag |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
            }
            if ((tag & 7) != 2) {
                return seed; // only length-delimited fields at the top level of our seeds
            }
            int lenStart = pos;
            long len = 0;
            for (int shift = 0; pos < seed.length; shift += 7) {
                byte b = seed[pos++];
                len |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    break;
                }
            }
            if (fields++ == target || pos + len >= seed.length) {
                long[] lies = {len + 1, len + 2, len - 1, 0, seed.length, Integer.MAX_VALUE, 0xFFFF_FFFFL,
                    Long.MAX_VALUE, -1L, 1L << 35};
                ByteArrayOutputStream v = new ByteArrayOutputStream();
                varint(v, lies[rnd.nextInt(lies.length)]);
                return Mutator.splice(seed, lenStart, pos, v.toByteArray());
            }
            pos += (int) len;
            if (tagStart == pos) {
                break;
            }
        }
        return seed;
    }

    /** A well-formed protobuf whose values are odd: piece texts, scores, types, special ids. */
    static SentencePieceModel structural(SentencePieceModel m, Random rnd) {
        List<SentencePieceModel.Piece> pieces = new java.util.ArrayList<>(m.pieces());
        String[] texts = {"", "\u2581", "</s>", "<unk>", "<0x41>", "\u0000", "a\u0301", "\uD83D\uDE42", "\u2581\u2581", "[",
            "\\", "\"", "x".repeat(300)};
        int edits = 1 + rnd.nextInt(6);
        for (int i = 0; i < edits && !pieces.isEmpty(); i++) {
            int at = rnd.nextInt(pieces.size());
            SentencePieceModel.Piece p = pieces.get(at);
            switch (rnd.nextInt(5)) {
                case 0 -> pieces.set(at, new SentencePieceModel.Piece(texts[rnd.nextInt(texts.length)], p.score(), p.type()));
                case 1 -> pieces.set(at, new SentencePieceModel.Piece(p.piece(),
                        new float[] {0f, -1e30f, 1e30f, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-45f}[rnd.nextInt(6)], p.type()));
                case 2 -> pieces.set(at, new SentencePieceModel.Piece(p.piece(), p.score(),
                        SentencePieceModel.PieceType.values()[rnd.nextInt(6)]));
                case 3 -> pieces.remove(at);
                default -> pieces.add(rnd.nextInt(pieces.size() + 1), p); // duplicate piece
            }
        }
        SentencePieceModel.TrainerSpec t = m.trainerSpec();
        int[] ids = {-1, 0, 1, 2, 3, pieces.size() - 1, pieces.size(), Integer.MAX_VALUE};
        SentencePieceModel.TrainerSpec t2 = rnd.nextBoolean() ? t : new SentencePieceModel.TrainerSpec(t.modelType(),
                t.vocabSize(), ids[rnd.nextInt(ids.length)], ids[rnd.nextInt(ids.length)], ids[rnd.nextInt(ids.length)],
                ids[rnd.nextInt(ids.length)], rnd.nextBoolean(), false);
        return new SentencePieceModel(pieces, t2, m.normalizerSpec());
    }

    @Test
    void mutatedModelsParseAndConvertOrFailWithAMessage() throws IOException {
        byte[] real = Files.readAllBytes(Fixtures.file("spiece.model"));
        byte[] realNoFallback = Files.readAllBytes(Fixtures.file("tokenizer-no-byte-fallback/spiece.model"));
        byte[] small = encode(SentencePieceModel.parse(real, "fixture"), 0);
        byte[] smallNoFallback = encode(SentencePieceModel.parse(realNoFallback, "fixture"), 0);
        // the re-encoding keeps every field the parser reads
        assertEquals(SentencePieceModel.parse(real, "a").pieces(), SentencePieceModel.parse(small, "b").pieces());
        Mutator mutator = new Mutator(List.of(small, smallNoFallback));
        SentencePieceModel parsed = SentencePieceModel.parse(small, "seed");
        SentencePieceModel parsedNoFallback = SentencePieceModel.parse(smallNoFallback, "seed");
        int[] nativeChecked = {0};
        int[] converted = {0};
        int[] javaEncoded = {0};
        int[] javaRefused = {0};
        FuzzHarness.Report r = FuzzHarness.run("spiece.model", FuzzHarness.iterations(), rnd -> {
            int kind = rnd.nextInt(10);
            if (kind < 6) {
                return mutator.mutate(rnd);
            }
            if (kind < 8) {
                byte[] s = mutator.seeds().get(rnd.nextInt(2));
                return rnd.nextBoolean() ? lyingLength(s, rnd) : mutator.mutate(lyingLength(s, rnd), rnd);
            }
            if (kind == 8 && rnd.nextBoolean()) {
                return encode(structural(rnd.nextBoolean() ? parsed : parsedNoFallback, rnd), 0);
            }
            byte[] src = rnd.nextBoolean() ? real : realNoFallback;
            if (kind == 8) { // the real file with its charsmap (the end of the file) mutated
                int tail = Math.min(src.length, 200_000);
                byte[] mutated = mutator.mutate(java.util.Arrays.copyOfRange(src, src.length - tail, src.length), rnd);
                byte[] out = java.util.Arrays.copyOf(src, src.length - tail + mutated.length);
                System.arraycopy(mutated, 0, out, src.length - tail, mutated.length);
                return out;
            }
            // the real file, mutations within its first 16 kB (pieces and specs), charsmap kept
            int head = Math.min(16384, src.length);
            byte[] mutated = mutator.mutate(java.util.Arrays.copyOf(src, head), rnd);
            byte[] out = java.util.Arrays.copyOf(mutated, mutated.length + src.length - head);
            System.arraycopy(src, head, out, mutated.length, src.length - head);
            return out;
        }, input -> {
            SentencePieceModel m = SentencePieceModel.parse(input, "fuzzed spiece.model");
            // the Java encoder applies sentencepiece's own checks; a model it takes must encode any text
            try {
                SentencePieceSiglipEncoder encoder = new SentencePieceSiglipEncoder(m, true, 16, "fuzzed spiece.model");
                long[] rows = new long[16 * TEXTS.size()];
                encoder.encode(TEXTS, rows);
                for (int i = 0; i < TEXTS.size(); i++) {
                    assertEquals(encoder.padId(), rows[16 * i + 15], "row " + i + " ends in </s>");
                }
                javaEncoded[0]++;
            } catch (org.siglip4j.core.SiglipException e) {
                javaRefused[0]++;
            }
            String json = SentencePieceConverter.toJsonString(SentencePieceConverter.convert(m));
            converted[0]++;
            if (converted[0] % 5 == 0) {
                try (SiglipTokenizer t = SiglipTokenizer.fromJson(json, 16, "fuzzed tokenizer.json", false)) {
                    long[] ids = t.encode("A photo of a cat, café 🙂");
                    assertEquals(16, ids.length);
                    nativeChecked[0]++;
                }
                try (SiglipTokenizer t = SiglipTokenizer.fromJson(json, 16, "fuzzed tokenizer.json")) {
                    assertEquals(16, t.encode(TEXTS)[0].length);
                }
            }
        }, List.of(), 20, 64L << 20);
        System.out.println("spiece fuzz: " + converted[0] + " converted, " + nativeChecked[0]
                + " also loaded by the native tokenizer; Java encoder: " + javaEncoded[0] + " encoded, "
                + javaRefused[0] + " refused like sentencepiece");
        assertTrue(r.failures().isEmpty(), String.join("\n", r.failures()));
        assertTrue(r.accepted() > 0 && r.rejected() > 0, r.toString());
    }

    /**
     * Found by this fuzzer: a charsmap the Rust library cannot parse made it panic inside
     * {@code Tokenizer::from_str}, and the panic aborted the JVM ("fatal runtime error: failed to
     * initiate panic"). Now rejected in Java, for spiece.model and for tokenizer.json alike.
     */
    @Test
    void corruptCharsmapIsRejectedInJavaBeforeTheNativeTokenizerSeesIt() throws IOException {
        SentencePieceModel good = SentencePieceModel.parse(Files.readAllBytes(Fixtures.file("spiece.model")), "ok");
        byte[] cm = good.normalizerSpec().precompiledCharsmap().clone();
        byte[] cut = java.util.Arrays.copyOf(cm, 256);
        SentencePieceModel.NormalizerSpec n = good.normalizerSpec();
        byte[] bad = encodeWithCharsmap(good, cut);
        org.siglip4j.core.SiglipException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.siglip4j.core.SiglipException.class, () -> SentencePieceModel.parse(bad, "cut.model"));
        assertTrue(e.getMessage().contains("precompiled_charsmap"), e.getMessage());
        // the same charsmap smuggled in through tokenizer.json
        com.google.gson.JsonObject json = SentencePieceConverter.convert(good);
        String text = SentencePieceConverter.toJsonString(json).replace(
                java.util.Base64.getEncoder().encodeToString(n.precompiledCharsmap()),
                java.util.Base64.getEncoder().encodeToString(cut));
        e = org.junit.jupiter.api.Assertions.assertThrows(org.siglip4j.core.SiglipException.class,
                () -> SiglipTokenizer.fromJson(text, 16, "evil tokenizer.json").close());
        assertTrue(e.getMessage().contains("precompiled_charsmap"), e.getMessage());
        // a trie node pointing past the end (the array is indexed unchecked at encode time)
        byte[] lying = cm.clone();
        long trie = (lying[0] & 0xFFL) | (lying[1] & 0xFFL) << 8 | (lying[2] & 0xFFL) << 16 | (lying[3] & 0xFFL) << 24;
        Mutator.putInt(lying, 4, 4, 0xFFFF_FC00L, true); // root offset far outside the trie
        e = org.junit.jupiter.api.Assertions.assertThrows(org.siglip4j.core.SiglipException.class,
                () -> SentencePieceModel.parse(encodeWithCharsmap(good, lying), "lying.model"));
        assertTrue(e.getMessage().contains("outside its " + trie / 4 + " units"), e.getMessage());
    }

    static byte[] encodeWithCharsmap(SentencePieceModel m, byte[] charsmap) {
        return encode(new SentencePieceModel(m.pieces(), m.trainerSpec(), new SentencePieceModel.NormalizerSpec(
                m.normalizerSpec().name(), charsmap, m.normalizerSpec().addDummyPrefix(), true, true)), charsmap.length);
    }
}
