package org.siglip4j.eval;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.TerminalProgress;

/**
 * Feeds an {@link EmbeddingModel} in fixed-size batches, checks that every row it returns is unit
 * length, takes images from an optional {@link EmbeddingCache} and shows a progress bar on stderr.
 */
public final class BatchEmbedder {

    private final EmbeddingModel model;
    private final EmbeddingCache cache;
    private final int batchSize;
    private final boolean showProgress;

    /**
     * Creates an embedder.
     *
     * @param model the model
     * @param cache an image cache for this model and preprocessing, or {@code null}
     * @param batchSize inputs per model call, positive
     * @param showProgress whether to draw a progress bar on stderr
     */
    public BatchEmbedder(EmbeddingModel model, EmbeddingCache cache, int batchSize,
            boolean showProgress) {
        if (batchSize <= 0) {
            throw new SiglipException("batch size must be positive, got " + batchSize);
        }
        this.model = model;
        this.cache = cache;
        this.batchSize = batchSize;
        this.showProgress = showProgress;
    }

    /**
     * Creates an embedder whose image cache, if any, is the one in {@code cacheDir} for this model
     * and its preprocessing.
     *
     * @param model the model
     * @param cacheDir the cache folder, or {@code null} for no cache
     * @param batchSize inputs per model call, positive
     * @param showProgress whether to draw a progress bar on stderr
     * @return the embedder
     */
    static BatchEmbedder withCache(EmbeddingModel model, Path cacheDir, int batchSize,
            boolean showProgress) {
        EmbeddingCache cache = cacheDir == null ? null
                : EmbeddingCache.open(cacheDir, model.id(), model.preprocessingId());
        return new BatchEmbedder(model, cache, batchSize, showProgress);
    }

    /**
     * Embeds images, using and filling the cache; the cache is saved even if the model fails
     * part-way, so finished batches are not lost.
     *
     * @param images the image files
     * @return the embeddings and counts
     */
    public EmbeddingRun embedImages(List<Path> images) {
        return embedImages(images, false);
    }

    /**
     * Embeds images like {@link #embedImages(List)}; with {@code skipUnreadable}, a batch that fails
     * is embedded again one image at a time and the images that still fail (missing, corrupt,
     * truncated, unsupported files) are skipped: their rows stay {@code null} and they are listed
     * in {@link EmbeddingRun#skipped()}.
     *
     * @param images the image files
     * @param skipUnreadable whether unreadable images are skipped rather than fatal
     * @return the embeddings, counts and skipped images
     * @throws SiglipException if no image at all could be embedded
     */
    public EmbeddingRun embedImages(List<Path> images, boolean skipUnreadable) {
        long t0 = System.nanoTime();
        List<String> skipped = new ArrayList<>();
        float[][] out = new float[images.size()][];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            float[] hit = cache == null ? null : cache.get(images.get(i));
            if (hit != null) {
                out[i] = hit.clone();
            } else {
                todo.add(i);
            }
        }
        try (TerminalProgress bar = bar("images", todo.size())) {
            for (int b = 0; b < todo.size(); b += batchSize) {
                List<Integer> idx = todo.subList(b, Math.min(todo.size(), b + batchSize));
                List<Path> batch = new ArrayList<>(idx.size());
                for (int i : idx) {
                    batch.add(images.get(i));
                }
                float[][] emb = skipUnreadable ? embedSkipping(batch, skipped)
                        : model.embedImages(batch);
                requireUnitRows(emb, batch.size(), "image embeddings of model "
                        + model.id() + " for " + batch.get(0) + " ...");
                for (int k = 0; k < idx.size(); k++) {
                    out[idx.get(k)] = emb[k];
                    if (cache != null && emb[k] != null) {
                        cache.put(batch.get(k), emb[k]);
                    }
                }
                bar.stepTo(b + idx.size());
            }
        } finally {
            if (cache != null) {
                cache.save();
            }
        }
        if (out.length > 0 && skipped.size() == out.length) {
            throw new SiglipException("none of the " + out.length + " images could be embedded, e.g. "
                    + skipped.get(0));
        }
        if (out.length > 0) {
            requireUnitRows(out, out.length, "image embeddings");
        }
        return new EmbeddingRun(out, todo.size() - skipped.size(), images.size() - todo.size(),
                (System.nanoTime() - t0) / 1e9, skipped);
    }

    /** One batch; when it fails, its images one at a time, skipping those that fail alone. */
    private float[][] embedSkipping(List<Path> batch, List<String> skipped) {
        try {
            return model.embedImages(batch);
        } catch (SiglipException batchFailure) {
            float[][] emb = new float[batch.size()][];
            for (int k = 0; k < batch.size(); k++) {
                try {
                    emb[k] = model.embedImages(List.of(batch.get(k)))[0];
                } catch (SiglipException e) {
                    skipped.add(batch.get(k) + ": " + e.getMessage());
                }
            }
            return emb;
        }
    }

    /** {@link Embeddings#requireUnitRows} over the rows that are there (skipped rows are null). */
    private static void requireUnitRows(float[][] rows, int n, String what) {
        if (rows.length != n) {
            Embeddings.requireUnitRows(rows, n, what); // throws: wrong row count
        }
        float[][] present = java.util.Arrays.stream(rows).filter(java.util.Objects::nonNull).toArray(float[][]::new);
        if (present.length > 0) {
            Embeddings.requireUnitRows(present, present.length, what);
        }
    }

    /**
     * Embeds texts (never cached: text embedding is cheap next to images, and prompts change).
     *
     * @param texts the texts
     * @return the embeddings and counts
     */
    public EmbeddingRun embedTexts(List<String> texts) {
        long t0 = System.nanoTime();
        float[][] out = new float[texts.size()][];
        try (TerminalProgress bar = bar("texts", texts.size())) {
            for (int b = 0; b < texts.size(); b += batchSize) {
                List<String> batch = texts.subList(b, Math.min(texts.size(), b + batchSize));
                float[][] emb = model.embedTexts(batch);
                Embeddings.requireUnitRows(emb, batch.size(), "text embeddings of model "
                        + model.id() + " for '" + batch.get(0) + "' ...");
                System.arraycopy(emb, 0, out, b, emb.length);
                bar.stepTo(b + batch.size());
            }
        }
        return new EmbeddingRun(out, texts.size(), 0, (System.nanoTime() - t0) / 1e9);
    }

    private TerminalProgress bar(String task, int max) {
        return TerminalProgress.start(new PrintWriter(System.err, true), task, max, showProgress && max > 0);
    }
}
