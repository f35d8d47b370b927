/**
 * The prepared GPU check (docs/gpu.md): one program that a short device session runs to prove
 * CUDA parity, fine-tuning speed and data-parallel equivalence, and that runs on the CPU here to
 * prove its plumbing.
 */
package org.siglip4j.examples.gpu;
