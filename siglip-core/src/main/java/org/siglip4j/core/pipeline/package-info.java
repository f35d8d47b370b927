/**
 * Ready-to-use SigLIP pipelines on a loaded model folder: {@link
 * org.siglip4j.core.pipeline.ZeroShotImageClassifier} (images + candidate labels -> sigmoid
 * scores, as Hugging Face's {@code ZeroShotImageClassificationPipeline} computes them for SigLIP)
 * and {@link org.siglip4j.core.pipeline.SiglipPipeline} (image and text embeddings, image-text
 * logits and probabilities). Results are plain Java arrays and records; no NDArray escapes.
 *
 * <p>All pipelines are thread-safe: one loaded model may serve concurrent calls.
 */
package org.siglip4j.core.pipeline;
