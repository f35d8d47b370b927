package org.siglip4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.config.SiglipTextConfig;

/** {@code SiglipTextEmbeddings}: {@code token_embedding(ids) + position_embedding(0..L-1)}. */
public final class SiglipTextEmbeddings extends SiglipModule {
    private final TorchEmbedding tokenEmbedding;
    private final TorchEmbedding positionEmbedding;
    private final int maxPositions;

    /** The embeddings of a text config. */
    public SiglipTextEmbeddings(SiglipTextConfig c) {
        this.maxPositions = c.maxPositionEmbeddings();
        float std = (float) (1 / Math.sqrt(c.hiddenSize()));
        tokenEmbedding = module("token_embedding", new TorchEmbedding(c.vocabSize(), c.hiddenSize(),
                new NormalInitializer(std)));
        positionEmbedding = module("position_embedding", new TorchEmbedding(c.maxPositionEmbeddings(), c.hiddenSize(),
                new NormalInitializer(std)));
    }

    /** [B, L] ids to [B, L, D]. */
    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        if (ids.getShape().dimension() != 2) {
            throw new SiglipException("input_ids must be [batch, length], got " + ids.getShape());
        }
        long l = ids.getShape().get(1);
        if (l > maxPositions) {
            throw new SiglipException("input_ids length " + l + " exceeds max_position_embeddings " + maxPositions);
        }
        NDArray positions = ids.getManager().arange(0, l, 1, DataType.INT64);
        return tokenEmbedding.forward(ps, ids, training).add(positionEmbedding.forward(ps, positions, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        return list(forward(ps, inputs.singletonOrThrow(), training));
    }
}
