/**
 * Checkpoint I/O: a bounds-checked, memory-mapped safetensors reader and an atomic writer,
 * sharded {@code model.safetensors.index.json} folders, and loading tensors into blocks by their
 * Hugging Face names with one report of every missing, unexpected or mis-shaped tensor.
 */
package org.siglip4j.core.checkpoint;
