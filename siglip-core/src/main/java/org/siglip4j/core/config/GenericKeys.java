package org.siglip4j.core.config;

import java.util.Set;

/**
 * Keys every Hugging Face {@code PretrainedConfig} writes in its full form (generation and
 * bookkeeping settings SigLIP does not use). They are kept for the round trip without a warning.
 */
final class GenericKeys {
    private GenericKeys() {}

    static final Set<String> KEYS = Set.of(
            "_name_or_path", "add_cross_attention", "architectures", "bad_words_ids", "begin_suppress_tokens",
            "bos_token_id", "chunk_size_feed_forward", "cross_attention_hidden_size", "decoder_start_token_id",
            "diversity_penalty", "do_sample", "early_stopping", "encoder_no_repeat_ngram_size", "eos_token_id",
            "exponential_decay_length_penalty", "finetuning_task", "forced_bos_token_id", "forced_eos_token_id",
            "id2label", "is_decoder", "is_encoder_decoder", "label2id", "length_penalty", "max_length",
            "min_length", "model_type", "no_repeat_ngram_size", "num_beam_groups", "num_beams",
            "num_return_sequences", "output_attentions", "output_hidden_states", "output_scores", "pad_token_id",
            "prefix", "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict",
            "return_dict_in_generate", "sep_token_id", "suppress_tokens", "task_specific_params", "temperature",
            "tf_legacy_loss", "tie_encoder_decoder", "tie_word_embeddings", "tokenizer_class", "top_k", "top_p",
            "torch_dtype", "torchscript", "typical_p", "use_bfloat16", "transformers_version", "num_labels",
            "_attn_implementation_autoset", "_commit_hash", "attn_implementation", "dtype",
            // siglip4j's own: a converted timm MAP tower's classifier pooling (SiglipForImageClassification)
            "siglip4j_classifier_pooling");
}
