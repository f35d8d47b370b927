package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/** {@code torch.nn.Embedding}: {@code weight} [num, dim], rows picked by integer ids. */
public final class TorchEmbedding extends SiglipModule {
    private final Parameter weight;
    private final long num;
    private final long dim;

    /** An embedding table. */
    public TorchEmbedding(long num, long dim, Initializer init) {
        this.num = num;
        this.dim = dim;
        weight = parameter("weight", new Shape(num, dim), Parameter.Type.WEIGHT, init);
    }

    /** Rows for {@code ids} (any integer shape): result shape ids.shape + [dim]. */
    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        NDArray idx = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        return Embedding.embedding(idx, value(ps, weight, ids, training), SparseFormat.DENSE).singletonOrThrow();
    }

    /** The whole table (for position-embedding interpolation). */
    public NDArray table(ParameterStore ps, NDArray like, boolean training) {
        return value(ps, weight, like, training);
    }

    /** Number of rows. */
    public long size() {
        return num;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        return new Shape[] {in[0].add(dim)};
    }
}
