/**
 * SigLIP's tokenizer: a reader for sentencepiece {@code spiece.model} files, a pure-Java encoder
 * that reproduces HF's slow {@code SiglipTokenizer} id for id (sentencepiece's normaliser and
 * Unigram Viterbi under big_vision's canonicalisation), the conversion to and from a Hugging Face
 * {@code tokenizer.json}, and {@link org.siglip4j.core.tokenizer.SiglipTokenizer}, which encodes in
 * Java and keeps DJL's Rust {@code tokenizers} binding for decoding and for foreign tokenizer.json
 * files.
 */
package org.siglip4j.core.tokenizer;
