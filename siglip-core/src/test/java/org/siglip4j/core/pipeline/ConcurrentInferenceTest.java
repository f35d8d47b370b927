package org.siglip4j.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.siglip4j.core.processing.ImageLoader;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.testing.Fixtures;

/**
 * One loaded model shared by 8 threads, each making zero-shot calls: every result is exactly
 * (bit for bit) the single-threaded result of the same call, nothing fails, and the process's
 * resident memory stays flat after warm-up (no NDArray leaked per call). The normal build makes
 * 8 x 200 calls twice (after 8 x 100 warm-up calls); {@code -Dsiglip.concurrency.calls=1000} runs
 * 8 x 1,000 twice.
 */
class ConcurrentInferenceTest {
    static final int THREADS = 8;

    static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static long heapCommittedKb() {
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() / 1024;
    }

    @Test
    void eightThreadsGetExactlyTheSingleThreadedResultsWithFlatMemory() throws Exception {
        int calls = Integer.getInteger("siglip.concurrency.calls", 200);
        List<RgbImage> images = new ArrayList<>();
        for (String f : List.of("gradient_wide.png", "shapes_tall.png", "noise_small.png", "gray_checker.png",
                "rgba_overlay.png", "palette_stripes.png", "exif_rotated.jpg", "exact_size.png")) {
            images.add(ImageLoader.load(Fixtures.file("inputs/" + f)));
        }
        List<List<String>> labelSets = List.of(List.of("cat", "dog", "gradient"), List.of("a red square", "noise"),
                List.of("stripes", "checkerboard", "circles", "text", "photo"));
        try (ZeroShotImageClassifier zs = ZeroShotImageClassifier.load(Fixtures.dir())) {
            // single-threaded reference for every (image, labels) pair; a call is one image or two
            int kinds = images.size() * labelSets.size();
            List<List<List<LabelScore>>> reference = new ArrayList<>();
            for (int k = 0; k < kinds; k++) {
                reference.add(call(zs, images, labelSets, k));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                // warm-up: the allocators (JVM heap, glibc arenas per thread, PyTorch's caches) grow
                // to their working size here; a leak shows as growth that goes on in the later runs
                run(pool, zs, images, labelSets, reference, calls / 2);
                System.gc();
                long rss0 = rssKb();
                long t0 = System.nanoTime();
                int done = run(pool, zs, images, labelSets, reference, calls);
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.gc();
                long rss1 = rssKb();
                long heap1 = heapCommittedKb();
                done += run(pool, zs, images, labelSets, reference, calls);
                System.gc();
                long rss2 = rssKb();
                long heap2 = heapCommittedKb();
                System.out.printf("concurrency: %d threads x %d zero-shot calls, twice (+ %d warm-up), all exactly equal "
                        + "to the single-threaded results, %.1f s per %d calls; RSS after warm-up %,d kB, after run 1 "
                        + "%,d kB (%+.1f%%), after run 2 %,d kB (%+.1f%%)%n", THREADS, calls, calls / 2, seconds,
                        THREADS * calls, rss0, rss1, 100.0 * (rss1 - rss0) / rss0, rss2, 100.0 * (rss2 - rss1) / rss1);
                assertEquals(2 * THREADS * calls, done);
                // generous bound on the second run's growth (allocator noise is a few %; a leak of the
                // ~10 kB of arrays a call makes would add 8 x calls x 10 kB each run and keep growing)
                // The JVM may grow its heap between runs (seen: +130 MB on a busy CI machine);
                // that is not a leak of ours, so the heap's committed growth is taken out.
                long nativeGrowth = (rss2 - rss1) - Math.max(0, heap2 - heap1);
                if (nativeGrowth >= rss1 * 0.2) {
                    // One jump can be an allocator settling (glibc arenas of 8 threads); a leak keeps
                    // growing, so a third run decides.
                    done += run(pool, zs, images, labelSets, reference, calls);
                    System.gc();
                    long rss3 = rssKb();
                    long heap3 = heapCommittedKb();
                    System.out.printf("concurrency: run 2 grew; after run 3 RSS %,d kB, committed heap %,d kB%n",
                            rss3, heap3);
                    nativeGrowth = (rss3 - rss2) - Math.max(0, heap3 - heap2);
                    rss1 = rss2;
                    rss2 = rss3;
                    heap1 = heap2;
                    heap2 = heap3;
                    assertEquals(3 * THREADS * calls, done);
                }
                assertTrue(nativeGrowth < rss1 * 0.2, "RSS grew from " + rss1 + " kB to " + rss2
                        + " kB in two runs in a row, committed heap from " + heap1 + " kB to " + heap2 + " kB");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    static List<List<LabelScore>> call(ZeroShotImageClassifier zs, List<RgbImage> images, List<List<String>> labelSets,
            int k) {
        int img = k % images.size();
        List<RgbImage> batch = img % 3 == 0 ? List.of(images.get(img), images.get((img + 1) % images.size()))
                : List.of(images.get(img));
        return zs.classify(batch, labelSets.get(k / images.size()));
    }

    static int run(ExecutorService pool, ZeroShotImageClassifier zs, List<RgbImage> images,
            List<List<String>> labelSets, List<List<List<LabelScore>>> reference, int calls) throws Exception {
        AtomicInteger done = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < calls; i++) {
                    int k = (thread * 7 + i * 3) % reference.size();
                    List<List<LabelScore>> got = call(zs, images, labelSets, k);
                    if (!got.equals(reference.get(k))) {
                        throw new AssertionError("thread " + thread + " call " + i + " (kind " + k + "): " + got
                                + " != " + reference.get(k));
                    }
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        return done.get();
    }
}
