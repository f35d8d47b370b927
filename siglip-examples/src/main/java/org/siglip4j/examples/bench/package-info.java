/**
 * {@code siglip bench}: throughput and memory of siglip4j side by side with the same model in
 * PyTorch eager ({@code bench/peer.py}), measured alternately in one run, plus the machine's GEMM
 * ceiling and a memory-over-time run of the zero-shot pipeline. See {@code docs/performance.md}.
 */
package org.siglip4j.examples.bench;
