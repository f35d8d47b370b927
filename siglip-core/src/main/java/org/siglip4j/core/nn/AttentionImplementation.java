package org.siglip4j.core.nn;

import java.util.Locale;
import org.siglip4j.core.SiglipException;

/** The attention kernels, named as Hugging Face's {@code attn_implementation} values. */
public enum AttentionImplementation {
    /** All heads' [B, H, L, L] scores at once ({@link EagerAttention}). */
    EAGER,
    /** Heads in groups whose scores fit a byte budget ({@link HeadGroupedAttention}); eager when all fit. */
    HEAD_GROUPED;

    /** The kernel of a name ({@code eager}, {@code head_grouped}). */
    public static AttentionImplementation parse(String name) {
        for (AttentionImplementation a : values()) {
            if (a.name().equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new SiglipException("unknown attention implementation '" + name + "': use eager or head_grouped");
    }

    /** The lower-case name HF would use. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
