package org.siglip4j.core.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.checkpoint.LoadReport;
import org.siglip4j.core.checkpoint.format.CheckpointFormats;
import org.siglip4j.core.config.Siglip2Config;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.model.PretrainedSiglip;
import org.siglip4j.core.model.SiglipVisionModel;
import org.siglip4j.core.nn.BaseModelOutput;
import org.siglip4j.core.processing.SiglipImageProcessor;

/**
 * Image embeddings of an image-only SigLIP (a timm image tower, HF's {@code SiglipVisionModel} or
 * {@code SiglipForImageClassification} folder), which {@link SiglipPipeline} cannot load since it has
 * no text tower. The feature is the MAP head's output, or for a tower without the head
 * ({@code gap}) the mean of the final tokens, as timm pools it.
 */
public final class ImageTowerPipeline implements AutoCloseable {
    private final NDManager manager;
    private final SiglipVisionModel model;
    private final SiglipImageProcessor processor;
    private final int batchSize;

    private ImageTowerPipeline(Path dir, int batchSize) {
        this.batchSize = batchSize;
        this.manager = NDManager.newBaseManager();
        try {
            // a classification folder also holds its classifier, which embeddings do not use
            this.model = SiglipVisionModel.fromPretrained(dir, manager, false);
            LoadReport r = model.lastLoadReport();
            if (!r.missing().isEmpty() || !r.mismatched().isEmpty()
                    || r.unexpected().stream().anyMatch(k -> !k.startsWith("classifier."))) {
                throw new SiglipException(dir + " does not match its image tower:" + r.describe());
            }
            this.processor = SiglipImageProcessor.load(dir);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads an image-only model folder (any layout {@link CheckpointFormats} reads).
     *
     * @param modelDir the folder
     * @param batchSize images per model call
     * @return the pipeline (close it)
     */
    public static ImageTowerPipeline load(Path modelDir, int batchSize) {
        return new ImageTowerPipeline(CheckpointFormats.asHuggingFace(modelDir), Math.max(1, batchSize));
    }

    /**
     * Whether a model folder holds an image tower only ({@code architectures} name vision or
     * classification classes only).
     *
     * @param hfDir an HF folder
     * @return true for an image-only model
     */
    public static boolean isImageOnly(Path hfDir) {
        if (Siglip2Config.isSiglip2(hfDir)) {
            return false; // a SigLIP 2 NaFlex two-tower model, whose config SiglipConfig does not read
        }
        return namesImageTowersOnly(SiglipConfig.load(hfDir));
    }

    /**
     * Whether a (SigLIP, not SigLIP 2) config's {@code architectures} name vision or classification
     * classes only: {@link #isImageOnly} for a caller that has the config already.
     */
    public static boolean namesImageTowersOnly(SiglipConfig config) {
        List<String> arch = config.architectures();
        return !arch.isEmpty() && arch.stream().allMatch(a -> a.contains("Vision") || a.contains("ImageClassification"));
    }

    /**
     * Refuses an image-only model where a two-tower SigLIP is needed, in one line naming what the
     * model can do instead.
     *
     * @param hfDir the model's HF folder (after {@link CheckpointFormats#asHuggingFace})
     * @param model the model as the user named it
     * @param what what needs both towers ({@code "zero-shot evaluation"}, {@code "pair fine-tuning"})
     * @throws SiglipException for an image-only model
     */
    public static void requireTwoTowers(Path hfDir, Object model, String what) {
        if (java.nio.file.Files.isRegularFile(hfDir.resolve("config.json")) && isImageOnly(hfDir)) {
            throw new SiglipException(model + " is an image-only model (a timm tower or a vision-only folder, no text"
                    + " tower): use embed --image, classify (its own classes) or finetune --classification; " + what
                    + " needs a two-tower SigLIP");
        }
    }

    /**
     * Image embeddings.
     *
     * @param images see {@link SiglipPipeline#embedImages(List)}
     * @param normalize true for unit-length rows
     * @return {@code [n][d]}, one row per image in input order
     */
    public float[][] embedImages(List<?> images, boolean normalize) {
        List<ImageInput> inputs = ImageInput.listOf(images);
        float[][] out = new float[inputs.size()][];
        for (int start = 0; start < inputs.size(); start += batchSize) {
            List<ImageInput> batch = inputs.subList(start, Math.min(inputs.size(), start + batchSize));
            try (NDManager call = manager.newSubManager()) {
                NDArray px = processor.preprocess(batch.stream().map(ImageInput::load).collect(Collectors.toList()),
                        call);
                BaseModelOutput o = model.forward(px, false);
                NDArray e = o.poolerOutput() != null ? o.poolerOutput() : o.lastHiddenState().mean(new int[] {1});
                if (normalize) {
                    e = PretrainedSiglip.l2normalize(e);
                }
                float[] flat = e.toFloatArray();
                int d = (int) e.getShape().get(1);
                for (int r = 0; r < batch.size(); r++) {
                    out[start + r] = java.util.Arrays.copyOfRange(flat, r * d, (r + 1) * d);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
