/**
 * SigLIP checkpoints in the layouts other libraries save them in, read as Hugging Face ones: open_clip
 * folders ({@code open_clip_config.json} + {@code open_clip_model.safetensors}), timm image towers
 * ({@code config.json} with {@code architecture} + {@code model.safetensors}) and big_vision
 * {@code .npz} files. Each format maps its folder to a {@link org.siglip4j.core.config.SiglipConfig}
 * and a {@link org.siglip4j.core.checkpoint.format.TensorPlan} (HF tensor name to the source tensors
 * it is made of); {@link org.siglip4j.core.checkpoint.format.CheckpointFormats} writes the result as
 * an HF folder once (cached), so every pipeline, the trainer and the evaluators use it unchanged, and
 * converts HF folders back to open_clip's layout.
 */
package org.siglip4j.core.checkpoint.format;
