/**
 * Training data: image-text manifests (JSONL, CSV), WebDataset shards, labelled folders, read by
 * their form ({@link org.siglip4j.train.data.TrainingData}); deterministic shuffling and batch
 * loading; the collate step that turns a loaded batch into a step's tensors, its tokenization run on
 * the loader's thread ahead of the step.
 */
package org.siglip4j.train.data;
