package org.siglip4j.core.djl;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A translator of {@link SiglipTranslatorFactory}: {@code compute} runs the folder's pipeline on one
 * input and gives a vector (scores or an embedding); {@code output} turns the vector into the
 * output type.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class SiglipTranslator<I, O> implements NoBatchifyTranslator<I, O> {
    private final BiFunction<SiglipInferenceBlock, I, float[]> compute;
    private final Function<float[], O> output;

    SiglipTranslator(BiFunction<SiglipInferenceBlock, I, float[]> compute, Function<float[], O> output) {
        this.compute = compute;
        this.output = output;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, I input) throws TranslateException {
        if (!(ctx.getModel().getBlock() instanceof SiglipInferenceBlock block)) {
            throw new TranslateException("the model's block is not a SigLIP folder's: load it with the argument "
                    + "blockFactory=" + SiglipBlockFactory.class.getName());
        }
        try {
            return new NDList(ctx.getNDManager().create(compute.apply(block, input)));
        } catch (RuntimeException e) {
            throw new TranslateException(e.getMessage(), e);
        }
    }

    @Override
    public O processOutput(TranslatorContext ctx, NDList list) {
        return output.apply(list.singletonOrThrow().toFloatArray());
    }
}
