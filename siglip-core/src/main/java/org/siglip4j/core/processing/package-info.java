/**
 * SigLIP input processing, bit-compatible with Hugging Face transformers' {@code SiglipProcessor}:
 * image loading like {@code transformers.image_utils.load_image} (EXIF orientation, PIL's
 * {@code convert("RGB")}), Pillow's fixed-point bicubic resize, rescale and normalisation
 * ({@link org.siglip4j.core.processing.SiglipImageProcessor}), and the combination with the
 * tokenizer ({@link org.siglip4j.core.processing.SiglipProcessor}).
 */
package org.siglip4j.core.processing;
