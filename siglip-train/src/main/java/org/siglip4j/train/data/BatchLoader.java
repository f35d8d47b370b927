package org.siglip4j.train.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.siglip4j.core.SiglipException;

/**
 * Loads training batches on worker threads with prefetching.
 *
 * <p>The batch of step {@code s} is a pure function of {@code (seed, s)}: with
 * {@code spe = size / batchSize} steps per epoch (the incomplete last batch is dropped), step s
 * takes records {@code order(s / spe)[(s % spe) * batchSize ...]} and for each one the caption
 * {@link EpochSampler#captionIndex}, and its pixels come from {@link PairSource#pixels(int, long)}
 * with the augmentation seed of (seed, s, record). So a resumed run, given only its step, sees
 * exactly the data an uninterrupted run would.
 *
 * <p>A record whose image fails to load is left out of its batch (the batch is then smaller) and
 * reported in {@link Batch#failures()}; it never stops the run.
 */
public final class BatchLoader implements AutoCloseable {

    /**
     * One step's data.
     *
     * @param step the 0-based optimiser step
     * @param epoch the epoch the step belongs to
     * @param pixels channels-first images
     * @param texts one caption per image
     * @param groups positive group per image ({@code null} entries: own caption only)
     * @param failures one line per record left out
     * @param inputIds the captions' token ids when the loader's {@link Collator#prepare} tokenized
     *     them ahead of the step, else null
     */
    public record Batch(int step, int epoch, List<float[]> pixels, List<String> texts, List<String> groups,
                        List<String> failures, long[][] inputIds) {
        /** A batch whose captions are not tokenized yet. */
        public Batch(int step, int epoch, List<float[]> pixels, List<String> texts, List<String> groups,
                     List<String> failures) {
            this(step, epoch, pixels, texts, groups, failures, null);
        }

        /** The number of pairs actually loaded. */
        public int size() {
            return pixels.size();
        }

        /**
         * This batch with its captions' token ids.
         *
         * @param ids one row per caption
         * @return the copy
         */
        public Batch withInputIds(long[][] ids) {
            return new Batch(step, epoch, pixels, texts, groups, failures, ids);
        }
    }

    private final PairSource source;
    private final EpochSampler sampler;
    private final int batchSize;
    private final long seed;
    private final int prefetch;
    private final UnaryOperator<Batch> prepare;
    private final ExecutorService workers;
    private final ExecutorService assembler;
    private final Map<Integer, Future<Batch>> pending = new ConcurrentHashMap<>();
    private final Map<Integer, int[]> orders = new ConcurrentHashMap<>();

    /**
     * A loader that leaves collating to the step.
     *
     * @param source the records
     * @param batchSize pairs per step (at most the number of records)
     * @param seed shuffling and augmentation seed
     * @param workers decoding threads
     * @param prefetch how many steps ahead to prepare
     */
    public BatchLoader(PairSource source, int batchSize, long seed, int workers, int prefetch) {
        this(source, batchSize, seed, workers, prefetch, UnaryOperator.identity());
    }

    /**
     * A loader that also runs the tensor-free part of collating ({@link Collator#prepare}: the
     * tokenization) on its own thread, so that it overlaps the previous step instead of running in
     * it. {@code prepare} must be thread-safe: it runs while the step (or an evaluation) may use
     * the same tokenizer.
     *
     * @param source the records
     * @param batchSize pairs per step (at most the number of records)
     * @param seed shuffling and augmentation seed
     * @param workers decoding threads
     * @param prefetch how many steps ahead to prepare
     * @param prepare applied to every loaded batch on the loader's thread
     */
    public BatchLoader(PairSource source, int batchSize, long seed, int workers, int prefetch,
                       UnaryOperator<Batch> prepare) {
        if (batchSize <= 0 || batchSize > source.size()) {
            throw new IllegalArgumentException("batch size must be in 1.." + source.size() + ", got " + batchSize);
        }
        this.source = source;
        this.sampler = new EpochSampler(source.size(), seed);
        this.batchSize = batchSize;
        this.seed = seed;
        this.prefetch = Math.max(0, prefetch);
        this.prepare = prepare;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, "siglip-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.assembler = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "siglip-batcher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Steps in one pass over the data. */
    public int stepsPerEpoch() {
        return source.size() / batchSize;
    }

    /** The batch of a step, waiting for it if needed; schedules the next {@code prefetch} steps. */
    public Batch get(int step) {
        Future<Batch> f = pending.computeIfAbsent(step, this::schedule);
        for (int s = step + 1; s <= step + prefetch; s++) {
            pending.computeIfAbsent(s, this::schedule);
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while loading step " + step, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SiglipException s) {
                throw s; // a caption the tokenizer refuses reads as it did when the step tokenized
            }
            throw new IllegalStateException("loading step " + step + " failed: " + e.getCause(), e.getCause());
        } finally {
            pending.remove(step);
        }
    }

    private Future<Batch> schedule(int step) {
        return assembler.submit(() -> load(step));
    }

    private Batch load(int step) throws InterruptedException {
        int spe = stepsPerEpoch();
        int epoch = step / spe;
        int[] order = orders.computeIfAbsent(epoch, sampler::order);
        orders.keySet().removeIf(e -> e < epoch - 1);
        int start = (step % spe) * batchSize;
        List<Future<float[]>> images = new ArrayList<>(batchSize);
        for (int k = 0; k < batchSize; k++) {
            int idx = order[start + k];
            long augmentationSeed = Augmentation.seed(seed, step, idx);
            images.add(workers.submit(() -> source.pixels(idx, augmentationSeed)));
        }
        List<float[]> pixels = new ArrayList<>(batchSize);
        List<String> texts = new ArrayList<>(batchSize);
        List<String> groups = new ArrayList<>(batchSize);
        List<String> failures = new ArrayList<>();
        for (int k = 0; k < batchSize; k++) {
            int idx = order[start + k];
            List<String> caps = source.captions(idx);
            try {
                float[] px = images.get(k).get();
                pixels.add(px);
                texts.add(caps.get(sampler.captionIndex(epoch, idx, caps.size())));
                groups.add(source.group(idx));
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                failures.add(source.describe(idx) + ": " + (c.getMessage() == null ? c.toString() : c.getMessage()));
            }
        }
        return prepare.apply(new Batch(step, epoch, pixels, texts, groups, failures));
    }

    /**
     * Stops loading. Waits (a few seconds at most) for a batch being prepared, so that nothing
     * uses the tokenizer after the trainer's caller closes it.
     */
    @Override
    public void close() {
        workers.shutdownNow();
        assembler.shutdownNow();
        try {
            assembler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
