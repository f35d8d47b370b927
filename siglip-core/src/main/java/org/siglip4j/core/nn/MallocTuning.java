package org.siglip4j.core.nn;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * glibc {@code malloc} settings for tensor work, applied once per process (see {@link #apply()}).
 *
 * <p>libtorch allocates every tensor with {@code malloc}. DJL calls it from JVM threads, which
 * glibc serves from per-thread arenas made of 64 MiB heaps; with the default settings glibc hands
 * a heap's free top back to the kernel ({@code madvise(MADV_DONTNEED)}) as soon as a few hundred
 * KiB to 64 MiB of it are free, and serves blocks above a dynamic threshold with fresh
 * {@code mmap}s. A transformer layer frees and re-allocates the same tens of MiB of activations,
 * so each layer touches pages the kernel has just taken back: one page fault per 4 KiB (about
 * 5 us each on the benchmark VM, 20 to 170 thousand faults per ViT-B/16 batch-8 forward, a tenth
 * to a quarter of its time). Eager PyTorch in CPython runs on the process's main thread, whose
 * {@code brk} heap grows its thresholds as it goes and keeps such memory.
 *
 * <p>The settings keep freed memory mapped for reuse: blocks up to 32 MiB (glibc's maximum
 * {@code M_MMAP_THRESHOLD} on 64-bit) come from the heaps, heaps are not trimmed below 256 MiB of
 * free top, and heaps grow by 16 MiB at a time. Peak memory is unchanged; memory freed after a
 * peak is kept for the next call instead of being returned at once. Opt out with
 * {@code -Dsiglip4j.malloc.tuning=false}; nothing is done on a C library other than glibc.
 *
 * <p>It changes the allocator of the whole process, so loading a model never applies it: an
 * application that runs SigLIP calls {@link #apply()} once at start-up, before its first model
 * loads (the {@code siglip} command line and the benchmark do).
 */
public final class MallocTuning {
    /** {@code M_TRIM_THRESHOLD} from glibc's {@code malloc.h}. */
    private static final int M_TRIM_THRESHOLD = -1;
    /** {@code M_TOP_PAD}. */
    private static final int M_TOP_PAD = -2;
    /** {@code M_MMAP_THRESHOLD}. */
    private static final int M_MMAP_THRESHOLD = -3;

    private static final int MIB = 1 << 20;
    /** The system property that turns the tuning off when set to {@code false}. */
    public static final String PROPERTY = "siglip4j.malloc.tuning";

    private static final Logger LOG = LoggerFactory.getLogger(MallocTuning.class);

    /**
     * What {@link #apply()} did.
     *
     * @param applied whether all settings were accepted by glibc
     * @param detail a short description for logs and benchmark reports
     */
    public record Result(boolean applied, String detail) {}

    private MallocTuning() {}

    /**
     * Applies the settings once (later calls return the first result). An application calls it
     * at start-up, before its first model loads; nothing in the library does.
     *
     * @return what was done
     */
    public static Result apply() {
        return Holder.RESULT;
    }

    /** Applied when first used (the JVM runs a class initialiser once). */
    private static final class Holder {
        static final Result RESULT = tune(Libc.GLIBC);

        static {
            LOG.debug("malloc tuning: {}", RESULT.detail());
        }
    }

    /**
     * Gives the memory glibc holds free back to the kernel ({@code malloc_trim(0)}, all arenas),
     * e.g. after a training run in a process that goes on with smaller work: the settings above
     * keep freed memory for reuse, so without this the process stays at the run's peak.
     *
     * @return true if glibc released memory; false if it had none to release or is not glibc
     */
    public static boolean releaseFreeMemory() {
        NativeLibrary libc = Libc.GLIBC;
        try {
            return libc != null && libc.getFunction("malloc_trim").invokeInt(new Object[] {0}) == 1;
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** The C library when it is glibc on Linux, else null; looked up once. */
    private static final class Libc {
        static final NativeLibrary GLIBC = glibc();
    }

    private static NativeLibrary glibc() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return null;
        }
        try {
            NativeLibrary libc = NativeLibrary.getInstance("c");
            libc.getFunction("gnu_get_libc_version"); // musl and others have no such function
            return libc;
        } catch (LinkageError | RuntimeException e) {
            // also JNA's own native part failing to load (e.g. no writable temp folder): a
            // performance setting must never make the library unusable
            return null;
        }
    }

    private static Result tune(NativeLibrary libc) {
        if ("false".equalsIgnoreCase(System.getProperty(PROPERTY))) {
            return new Result(false, "off (-D" + PROPERTY + "=false)");
        }
        if (libc == null) {
            return new Result(false, "not glibc on Linux");
        }
        try {
            String version = (String) libc.getFunction("gnu_get_libc_version").invoke(String.class, new Object[0]);
            Function mallopt = libc.getFunction("mallopt");
            int[][] settings = {{M_MMAP_THRESHOLD, 32 * MIB}, {M_TRIM_THRESHOLD, 256 * MIB}, {M_TOP_PAD, 16 * MIB}};
            for (int[] s : settings) {
                if (mallopt.invokeInt(new Object[] {s[0], s[1]}) != 1) {
                    return new Result(false, "glibc " + version + " refused mallopt(" + s[0] + ", " + s[1] + ")");
                }
            }
            return new Result(true, "glibc " + version + ": mmap threshold 32 MiB, trim threshold 256 MiB, top pad 16 MiB");
        } catch (LinkageError | RuntimeException e) {
            return new Result(false, "not applied: " + e.getMessage()); // the defaults stay
        }
    }
}
