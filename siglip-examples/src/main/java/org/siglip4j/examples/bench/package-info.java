/**
 * {@code siglip bench}: throughput and memory of siglip4j side by side with the same model in
 * PyTorch eager ({@code bench/peer.py}) or the peers users run ({@code bench/peer_hf.py}: HF
 * transformers with sdpa, Python onnxruntime on an HF export), measured alternately in one run,
 * plus the machine's GEMM ceiling and a memory-over-time run of the zero-shot pipeline.
 * {@link org.siglip4j.examples.bench.Benchmark} runs one class per row family
 * ({@code BenchRow}, {@code ModelRow}); the other classes with a {@code main} are single-purpose
 * benchmarks (engines, training, evaluation, tokenizer, loss). See {@code docs/performance.md}.
 */
package org.siglip4j.examples.bench;
