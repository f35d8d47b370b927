package org.siglip4j.eval.spark;

import java.io.Serializable;
import org.siglip4j.eval.EmbeddingModel;

/**
 * Creates an {@link EmbeddingModel} where it runs: Spark ships the factory (not the model, whose
 * weights and native handles do not serialise) to every executor, and {@link ExecutorModels}
 * creates one model per factory per JVM.
 *
 * <p>Implementations must have <b>value equality</b> ({@code equals}/{@code hashCode} over what
 * selects the model, for example the model folder): every task deserialises its own copy of the
 * factory, and equal copies are what lets all tasks of an executor share one loaded model. A
 * record does this, for example {@code record SiglipFactory(String modelDir) implements
 * EmbeddingModelFactory}; a lambda does not and is rejected by {@link
 * SparkZeroShotEvaluator.Builder#build()}.
 */
public interface EmbeddingModelFactory extends Serializable {

    /**
     * Loads the model (called at most once per JVM for equal factories, see {@link
     * ExecutorModels}). Paths in the factory must be valid on every executor.
     *
     * @return a new model
     */
    EmbeddingModel create();

    /**
     * Whether the model may be called by several task threads of one executor at once. If false
     * (the default), calls on the shared model are serialised; a model that already uses every
     * core per call (as PyTorch's intra-op threads do) loses nothing by that.
     *
     * @return true if {@link EmbeddingModel#embedImages} may run concurrently
     */
    default boolean threadSafe() {
        return false;
    }
}
