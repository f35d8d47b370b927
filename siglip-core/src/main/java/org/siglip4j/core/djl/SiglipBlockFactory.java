package org.siglip4j.core.djl;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * Makes the {@link SiglipInferenceBlock} of a DJL {@link Model} from a SigLIP folder: DJL's model
 * loader calls it (argument {@code blockFactory=org.siglip4j.core.djl.SiglipBlockFactory}) before
 * {@code Model.load}, which then reads no parameter file of its own ({@code option.hasParameter=false}):
 * the weights are the folder's safetensors, loaded by siglip4j.
 *
 * <p>Optional argument: {@code batchSize} (images or texts per model call, default 32).
 */
public final class SiglipBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
        Path dir = Files.isRegularFile(modelPath) ? modelPath.getParent() : modelPath;
        Object batch = arguments == null ? null : arguments.get("batchSize");
        int batchSize = batch == null ? org.siglip4j.core.pipeline.SiglipPipeline.DEFAULT_BATCH_SIZE
                : Integer.parseInt(batch.toString().trim());
        SiglipInferenceBlock block = SiglipInferenceBlock.load(dir, model.getNDManager().getDevice(), batchSize);
        // the weights live in the pipeline's own manager: closing the model must free them too
        model.getNDManager().attachInternal(UUID.randomUUID().toString(), block);
        return block;
    }
}
