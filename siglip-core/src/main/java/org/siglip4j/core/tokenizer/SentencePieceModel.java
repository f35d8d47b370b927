package org.siglip4j.core.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.siglip4j.core.SiglipException;

/**
 * The parts of a sentencepiece {@code ModelProto} ({@code spiece.model}) that a tokenizer needs,
 * read with a hand-written, bounds-checked protobuf reader (no protobuf runtime dependency).
 *
 * @param pieces the vocabulary in id order
 * @param trainerSpec training settings that affect encoding (model type, special ids, byte fallback)
 * @param normalizerSpec the normaliser (name and precompiled character map)
 */
public record SentencePieceModel(List<Piece> pieces, TrainerSpec trainerSpec, NormalizerSpec normalizerSpec) {

    /** Makes the piece list unmodifiable. */
    public SentencePieceModel {
        pieces = Collections.unmodifiableList(new ArrayList<>(pieces));
    }

    /** {@code SentencePiece.Type}. */
    public enum PieceType {
        /** 1: an ordinary learned piece. */
        NORMAL,
        /** 2: the unknown piece. */
        UNKNOWN,
        /** 3: a control symbol such as {@code </s>} (never produced from text by sentencepiece). */
        CONTROL,
        /** 4: a user-defined symbol (always matched as a whole). */
        USER_DEFINED,
        /** 5: an unused piece. */
        UNUSED,
        /** 6: a byte-fallback piece {@code <0xXX>}. */
        BYTE;

        static PieceType fromProto(int v, String where) {
            return switch (v) {
                case 1 -> NORMAL;
                case 2 -> UNKNOWN;
                case 3 -> CONTROL;
                case 4 -> USER_DEFINED;
                case 5 -> UNUSED;
                case 6 -> BYTE;
                default -> throw new SiglipException(where + ": unknown sentencepiece piece type " + v);
            };
        }
    }

    /** {@code TrainerSpec.ModelType}. */
    public enum ModelType {
        /** 1: unigram language model (SigLIP's). */
        UNIGRAM,
        /** 2: byte-pair encoding. */
        BPE,
        /** 3: whitespace-separated words. */
        WORD,
        /** 4: characters. */
        CHAR
    }

    /**
     * One vocabulary entry.
     *
     * @param piece the piece text ({@code ▁} marks a word start)
     * @param score its log probability (unigram) or merge rank (BPE)
     * @param type its type
     */
    public record Piece(String piece, float score, PieceType type) {}

    /**
     * Training settings that matter at encoding time (proto defaults where absent).
     *
     * @param modelType the algorithm (default UNIGRAM)
     * @param vocabSize the requested vocabulary size
     * @param unkId id of the unknown piece (default 0)
     * @param bosId id of {@code <s>}, -1 if none (default 1)
     * @param eosId id of {@code </s>}, -1 if none (default 2)
     * @param padId id of {@code <pad>}, -1 if none (default -1)
     * @param byteFallback whether unknown characters become {@code <0xXX>} byte pieces
     * @param treatWhitespaceAsSuffix whether {@code ▁} ends rather than starts words
     */
    public record TrainerSpec(ModelType modelType, int vocabSize, int unkId, int bosId, int eosId, int padId,
            boolean byteFallback, boolean treatWhitespaceAsSuffix) {}

    /**
     * The normaliser.
     *
     * @param name e.g. {@code nmt_nfkc}
     * @param precompiledCharsmap the compiled normalisation rules (a double-array trie + targets);
     *     shared, do not modify
     * @param addDummyPrefix whether sentencepiece prepends {@code ▁} (default true)
     * @param removeExtraWhitespaces whether runs of spaces are collapsed (default true)
     * @param escapeWhitespaces whether spaces become {@code ▁} (default true)
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {}

    /**
     * Reads a {@code spiece.model} file.
     *
     * @param file the model file
     * @return the parsed model
     * @throws SiglipException if the file is missing or not a valid sentencepiece model
     */
    public static SentencePieceModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SiglipException("sentencepiece model not found: " + file);
        } catch (IOException e) {
            throw new SiglipException("cannot read " + file + ": " + e, e);
        }
        return parse(bytes, file.toString());
    }

    /**
     * Parses the bytes of a {@code ModelProto}.
     *
     * @param bytes the serialized model
     * @param source a name for error messages
     * @return the parsed model
     * @throws SiglipException on malformed input
     */
    public static SentencePieceModel parse(byte[] bytes, String source) {
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, source);
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = null;
        NormalizerSpec normalizer = null;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "pieces");
                    pieces.add(readPiece(r.readMessage("piece " + pieces.size())));
                }
                case 2 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "trainer_spec");
                    trainer = readTrainer(r.readMessage("trainer_spec"));
                }
                case 3 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "normalizer_spec");
                    normalizer = readNormalizer(r.readMessage("normalizer_spec"));
                }
                default -> r.skip(tag); // self_test_data, denormalizer_spec, extensions
            }
        }
        if (pieces.isEmpty()) {
            throw new SiglipException(source + ": no vocabulary pieces; not a sentencepiece model");
        }
        if (trainer == null) {
            trainer = new TrainerSpec(ModelType.UNIGRAM, 0, 0, 1, 2, -1, false, false);
        }
        if (normalizer == null) {
            normalizer = new NormalizerSpec("", new byte[0], true, true, true);
        }
        if (trainer.unkId() < 0 || trainer.unkId() >= pieces.size()) {
            throw new SiglipException(source + ": trainer_spec.unk_id " + trainer.unkId() + " is outside the "
                    + pieces.size() + " pieces");
        }
        for (int i = 0; i < pieces.size(); i++) {
            if (!Float.isFinite(pieces.get(i).score())) {
                throw new SiglipException(source + ": piece " + i + " ('" + pieces.get(i).piece() + "') has score "
                        + pieces.get(i).score() + "; scores are finite log probabilities");
            }
        }
        // checked here, where the file enters, because the native tokenizer trusts it blindly
        PrecompiledCharsmap.validate(normalizer.precompiledCharsmap(), source);
        return new SentencePieceModel(pieces, trainer, normalizer);
    }

    private static Piece readPiece(ProtoReader r) {
        String piece = null;
        float score = 0f;
        PieceType type = PieceType.NORMAL;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "piece");
                    piece = r.readString("piece");
                }
                case 2 -> {
                    r.expectWire(tag, ProtoReader.FIXED32, "score");
                    score = r.readFloat();
                }
                case 3 -> {
                    r.expectWire(tag, ProtoReader.VARINT, "type");
                    type = PieceType.fromProto(r.readInt32(), "piece type");
                }
                default -> r.skip(tag);
            }
        }
        if (piece == null) {
            throw new SiglipException("sentencepiece model: a vocabulary entry has no piece text");
        }
        return new Piece(piece, score, type);
    }

    private static TrainerSpec readTrainer(ProtoReader r) {
        ModelType modelType = ModelType.UNIGRAM;
        int vocabSize = 8000;
        int unkId = 0;
        int bosId = 1;
        int eosId = 2;
        int padId = -1;
        boolean byteFallback = false;
        boolean suffix = false;
        while (r.hasMore()) {
            int tag = r.readTag();
            int field = tag >>> 3;
            if ((tag & 7) != ProtoReader.VARINT
                    || (field != 3 && field != 4 && field != 24 && field != 35 && field < 40)
                    || field > 43) {
                r.skip(tag);
                continue;
            }
            int v = r.readInt32();
            switch (field) {
                case 3 -> {
                    if (v < 1 || v > 4) {
                        throw new SiglipException("sentencepiece model: unknown trainer_spec.model_type " + v);
                    }
                    modelType = ModelType.values()[v - 1];
                }
                case 4 -> vocabSize = v;
                case 24 -> suffix = v != 0;
                case 35 -> byteFallback = v != 0;
                case 40 -> unkId = v;
                case 41 -> bosId = v;
                case 42 -> eosId = v;
                case 43 -> padId = v;
                default -> { }
            }
        }
        return new TrainerSpec(modelType, vocabSize, unkId, bosId, eosId, padId, byteFallback, suffix);
    }

    private static NormalizerSpec readNormalizer(ProtoReader r) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean dummy = true;
        boolean removeExtra = true;
        boolean escape = true;
        while (r.hasMore()) {
            int tag = r.readTag();
            switch (tag >>> 3) {
                case 1 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "normalizer_spec.name");
                    name = r.readString("normalizer_spec.name");
                }
                case 2 -> {
                    r.expectWire(tag, ProtoReader.LENGTH_DELIMITED, "precompiled_charsmap");
                    charsmap = r.readBytes();
                }
                case 3 -> {
                    r.expectWire(tag, ProtoReader.VARINT, "add_dummy_prefix");
                    dummy = r.readBool();
                }
                case 4 -> {
                    r.expectWire(tag, ProtoReader.VARINT, "remove_extra_whitespaces");
                    removeExtra = r.readBool();
                }
                case 5 -> {
                    r.expectWire(tag, ProtoReader.VARINT, "escape_whitespaces");
                    escape = r.readBool();
                }
                default -> r.skip(tag);
            }
        }
        return new NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
    }
}
