package org.siglip4j.examples.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.siglip4j.core.pipeline.ZeroShotImageClassifier;

/**
 * Zero-shot calls through the pipeline on the assets model with RSS sampled: the growth after the
 * warm-up calls must stay under 5% (siglip4j only; no peer).
 */
final class MemoryRow implements BenchRow {
    @Override
    public void run(BenchRun run) {
        int calls = run.options.memoryCalls();
        int warm = Math.max(1, calls / 10);
        int every = Math.max(1, calls / 100);
        Path image = run.options.assets().resolve("inputs/gradient_wide.png");
        List<String> labels = List.of("a cat", "a dog", "a gradient");
        run.resetPeaks();
        long atWarm = 0;
        long maxAfter = 0;
        List<Long> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ZeroShotImageClassifier zs = ZeroShotImageClassifier.load(run.options.assets())) {
            for (int i = 1; i <= calls; i++) {
                zs.classifyImage(image, labels);
                if (i % every == 0 || i == warm) {
                    long rss = Rss.currentKib();
                    samples.add(rss);
                    if (i == warm) {
                        atWarm = rss;
                    } else if (i > warm) {
                        maxAfter = Math.max(maxAfter, rss);
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long last = samples.get(samples.size() - 1);
        double growth = (double) (last - atWarm) / atWarm;
        double maxGrowth = (double) (maxAfter - atWarm) / atWarm;
        run.machine.put("memory_samples_kib", samples);
        run.add(new Benchmark.Row("memory", "tiny fixture, zero-shot", calls, "calls/s", calls / secs, Double.NaN,
                Double.NaN, Double.NaN, BenchRun.oursPeakMib(), Double.NaN, "-", String.format(Locale.ROOT,
                        "RSS after %d warm-up calls %.0f MiB, at the end %.0f MiB: growth %+.1f%% (max %+.1f%%) %s",
                        warm, atWarm / 1024.0, last / 1024.0, 100 * growth, 100 * maxGrowth,
                        growth < 0.05 ? "< 5%: OK" : ">= 5%: FAIL")));
    }
}
