/**
 * SigLIP's tokenizer: a reader for sentencepiece {@code spiece.model} files, their conversion to a
 * Hugging Face {@code tokenizer.json} that reproduces HF's slow {@code SiglipTokenizer}, and
 * {@link org.siglip4j.core.tokenizer.SiglipTokenizer} on DJL's Rust {@code tokenizers} binding.
 */
package org.siglip4j.core.tokenizer;
