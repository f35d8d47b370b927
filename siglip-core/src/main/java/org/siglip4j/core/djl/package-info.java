/**
 * DJL-native use of SigLIP folders: a {@link ai.djl.nn.BlockFactory} and a
 * {@link ai.djl.translate.TranslatorFactory} so that {@link ai.djl.repository.zoo.Criteria} loads a
 * Hugging Face SigLIP folder (or hub id) as a {@link ai.djl.repository.zoo.ZooModel} for zero-shot
 * classification ({@code Image -> Classifications}), image and text embeddings
 * ({@code Image -> float[]}, {@code String -> float[]}) and fine-tuned classification heads, and
 * so that DJL Serving serves such a folder from its {@code serving.properties}.
 */
package org.siglip4j.core.djl;
