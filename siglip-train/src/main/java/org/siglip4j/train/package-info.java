/**
 * Fine-tuning. One {@link org.siglip4j.train.Trainer} skeleton (freezing by
 * {@link org.siglip4j.train.FreezePolicy}, AdamW, the learning-rate schedule, global-norm clipping,
 * per-device replicas, checkpoints, exact resume, metrics and listeners) runs a task's forward and
 * backward passes: the sigmoid loss over the global batch ({@link org.siglip4j.train.SiglipTrainer},
 * whose towers run eagerly, checkpointed or as SigLIP 2 NaFlex) or cross-entropy
 * ({@link org.siglip4j.train.ClassificationTrainer}). Batches come from {@code data} already loaded
 * and tokenized (on the loader's thread) and are collated into tensors before the step's passes. {@link org.siglip4j.train.FinetuneSetup}
 * starts a run from a model folder and data on disk as {@code siglip finetune} does.
 */
package org.siglip4j.train;
