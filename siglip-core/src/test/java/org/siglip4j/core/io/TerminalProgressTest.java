package org.siglip4j.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TerminalProgressTest {

    @Test
    void framesFillTheWidthAndNeverCutTheText() {
        String f = TerminalProgress.render("images", 21, 50, "", 1, Duration.ofSeconds(12), "", 60);
        assertEquals(60, f.length(), f);
        assertTrue(f.startsWith("images  42% ["), f);
        assertTrue(f.endsWith("] 21/50 0:12 eta 0:16"), f);
        String longMessage = "loss 10.4744 lr 1.00e-04 391.2 pairs/s and a long tail that does not fit";
        String narrow = TerminalProgress.render("train", 3, 10, "steps", 1, Duration.ofSeconds(75), longMessage, 40);
        assertTrue(narrow.endsWith(longMessage), "the message is whole: " + narrow);
        assertFalse(narrow.contains("["), "no room for the bar, so it is the bar that goes: " + narrow);
        String bytes = TerminalProgress.render("model.safetensors", 3 << 20, 8 << 20, "MiB", 1 << 20,
                Duration.ofSeconds(3725), "", 80);
        assertTrue(bytes.contains("3.0/8.0 MiB 1:02:05"), bytes);
        String unknown = TerminalProgress.render("x", 5, -1, "", 1, Duration.ZERO, "", 80);
        assertEquals("x 5/? 0:00", unknown);
    }

    @Test
    void drawsNothingOffATerminalOrWhenDisabled() {
        StringWriter sink = new StringWriter();
        String old = System.getProperty(TerminalProgress.PROPERTY);
        try {
            System.setProperty(TerminalProgress.PROPERTY, "never");
            try (TerminalProgress p = TerminalProgress.start(new PrintWriter(sink), "images", 10, true)) {
                p.onProgress(5, 10);
            }
            assertEquals("", sink.toString());
            System.setProperty(TerminalProgress.PROPERTY, "always");
            try (TerminalProgress p = TerminalProgress.start(new PrintWriter(sink), "images", 10, false)) {
                p.onProgress(5, 10);
            }
            assertEquals("", sink.toString(), "disabled");
            try (TerminalProgress p = TerminalProgress.start(new PrintWriter(sink), "images", 10, true)) {
                p.onProgress(10, 10);
            }
            assertTrue(sink.toString().startsWith("\rimages 100% ["), sink.toString());
            assertTrue(sink.toString().endsWith(System.lineSeparator()), "close ends the line");
        } finally {
            if (old == null) {
                System.clearProperty(TerminalProgress.PROPERTY);
            } else {
                System.setProperty(TerminalProgress.PROPERTY, old);
            }
        }
    }
}
