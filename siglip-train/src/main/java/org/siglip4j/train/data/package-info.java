/** Training data: image-text manifests (JSONL, CSV), WebDataset shards, labelled folders, deterministic shuffling. */
package org.siglip4j.train.data;
