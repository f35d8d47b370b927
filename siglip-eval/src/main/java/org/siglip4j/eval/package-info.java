/**
 * Zero-shot classification and image-text retrieval evaluation.
 *
 * <p>Everything here is model-independent: an evaluator talks to an {@link
 * org.siglip4j.eval.EmbeddingModel}; {@link org.siglip4j.eval.SiglipEmbeddingModel} binds a SigLIP
 * model folder to it. The protocol
 * follows open_clip's zero-shot classifier (per class, the unit text embeddings of every prompt
 * template are averaged and re-normalised) and the usual COCO/Flickr retrieval metrics.
 */
package org.siglip4j.eval;
