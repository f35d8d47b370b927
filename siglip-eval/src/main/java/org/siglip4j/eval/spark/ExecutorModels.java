package org.siglip4j.eval.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.siglip4j.core.SiglipException;
import org.siglip4j.eval.EmbeddingModel;

/**
 * The models of this JVM, one per (equal) {@link EmbeddingModelFactory}: an executor loads its
 * model on the first task that needs it and keeps it for every later task and job, so a model is
 * loaded once per executor rather than once per partition. In local mode the driver and the
 * executors share one JVM and therefore one model.
 */
public final class ExecutorModels {

    private static final Map<EmbeddingModelFactory, EmbeddingModel> MODELS =
            new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * The model for a factory, created on first use.
     *
     * @param factory the factory (value equality, see {@link EmbeddingModelFactory})
     * @return the shared model; calls on it are serialised unless the factory is {@link
     *     EmbeddingModelFactory#threadSafe() thread-safe}
     */
    public static EmbeddingModel get(EmbeddingModelFactory factory) {
        EmbeddingModel model = MODELS.computeIfAbsent(factory, f -> {
            EmbeddingModel m = f.create();
            if (m == null) {
                throw new SiglipException("EmbeddingModelFactory " + f + " returned null from"
                        + " create()");
            }
            return m;
        });
        return factory.threadSafe() ? model : new Serialised(model);
    }

    /**
     * How many models this JVM holds.
     *
     * @return the number of cached models
     */
    public static int size() {
        return MODELS.size();
    }

    /**
     * Drops a factory's model, closing it if it is {@link AutoCloseable}; the next {@link
     * #get} loads it again.
     *
     * @param factory the factory
     * @return true if a model was cached
     */
    public static boolean release(EmbeddingModelFactory factory) {
        EmbeddingModel m = MODELS.remove(factory);
        if (m instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new SiglipException("closing model " + m.id() + " failed: " + e.getMessage(),
                        e);
            }
        }
        return m != null;
    }

    /** Releases every model of this JVM (see {@link #release}). */
    public static void clear() {
        for (EmbeddingModelFactory f : List.copyOf(MODELS.keySet())) {
            release(f);
        }
    }

    /** Locks the shared model for each call, so concurrent tasks take turns. */
    private record Serialised(EmbeddingModel model) implements EmbeddingModel {

        @Override
        public String id() {
            return model.id();
        }

        @Override
        public String preprocessingId() {
            return model.preprocessingId();
        }

        @Override
        public float[][] embedImages(List<Path> images) {
            synchronized (model) {
                return model.embedImages(images);
            }
        }

        @Override
        public float[][] embedTexts(List<String> texts) {
            synchronized (model) {
                return model.embedTexts(texts);
            }
        }
    }
}
