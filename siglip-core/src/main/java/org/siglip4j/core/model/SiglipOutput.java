package org.siglip4j.core.model;

import ai.djl.ndarray.NDArray;
import org.siglip4j.core.nn.BaseModelOutput;

/**
 * Output of {@link SiglipModel#forward(NDArray, NDArray)}.
 *
 * @param logitsPerImage [N_img, N_txt] = logitsPerText^T
 * @param logitsPerText [N_txt, N_img] = text_embeds image_embeds^T exp(logit_scale) + logit_bias
 * @param textEmbeds [N_txt, P] normalised text pooler output
 * @param imageEmbeds [N_img, D] normalised image pooler output
 * @param textModelOutput the text tower's outputs
 * @param visionModelOutput the vision tower's outputs
 */
public record SiglipOutput(NDArray logitsPerImage, NDArray logitsPerText, NDArray textEmbeds, NDArray imageEmbeds,
        BaseModelOutput textModelOutput, BaseModelOutput visionModelOutput) {}
