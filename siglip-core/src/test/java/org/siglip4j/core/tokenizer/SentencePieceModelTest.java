package org.siglip4j.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SentencePieceModel.PieceType;

/** The hand-written protobuf reader on the fixture models and on corrupt input. */
class SentencePieceModelTest {

    @Test
    void readsFixtureModels() {
        SentencePieceModel m = SentencePieceModel.load(Fixtures.file("spiece.model"));
        assertEquals(512, m.pieces().size());
        assertEquals(SentencePieceModel.ModelType.UNIGRAM, m.trainerSpec().modelType());
        assertEquals(2, m.trainerSpec().unkId());
        assertEquals(1, m.trainerSpec().eosId());
        assertTrue(m.trainerSpec().byteFallback());
        assertEquals("<pad>", m.pieces().get(0).piece());
        assertEquals(PieceType.CONTROL, m.pieces().get(1).type());
        assertEquals(PieceType.UNKNOWN, m.pieces().get(2).type());
        assertEquals("<0x00>", m.pieces().get(3).piece());
        assertEquals(PieceType.BYTE, m.pieces().get(3).type());
        assertEquals("\u2581", m.pieces().get(259).piece());
        assertEquals(-2.6864702701568604, m.pieces().get(259).score(), 0);
        assertEquals("nmt_nfkc", m.normalizerSpec().name());
        assertTrue(m.normalizerSpec().precompiledCharsmap().length > 1000);
        assertTrue(m.normalizerSpec().addDummyPrefix());

        SentencePieceModel n = SentencePieceModel.load(Fixtures.file("tokenizer-no-byte-fallback/spiece.model"));
        assertEquals(320, n.pieces().size());
        assertFalse(n.trainerSpec().byteFallback());
    }

    @Test
    void corruptInputFailsCleanly() throws IOException {
        byte[] good = Files.readAllBytes(Fixtures.file("spiece.model"));
        // truncated anywhere: a clear error or (if cut between fields) a smaller valid model, never a crash
        Random rnd = new Random(1);
        for (int i = 0; i < 200; i++) {
            byte[] cut = Arrays.copyOf(good, rnd.nextInt(good.length));
            try {
                SentencePieceModel.parse(cut, "cut");
            } catch (SiglipException expected) {
                // fine
            }
        }
        // flipped bytes
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            for (int k = 0; k < 5; k++) {
                bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt();
            }
            try {
                SentencePieceModel.parse(bad, "flipped");
            } catch (SiglipException expected) {
                // fine
            }
        }
        // a length prefix of ~2^62 must not allocate
        byte[] huge = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, 0x3F};
        SiglipException e = assertThrows(SiglipException.class, () -> SentencePieceModel.parse(huge, "huge"));
        assertTrue(e.getMessage().contains("remain"), e.getMessage());
        assertThrows(SiglipException.class, () -> SentencePieceModel.parse("not a model".getBytes(), "text"));
        assertThrows(SiglipException.class, () -> SentencePieceModel.parse(new byte[0], "empty"));
    }
}
