package org.siglip4j.core.config;

/**
 * Closed-form matmul FLOP counts of the shared transformer pieces: 2 FLOPs (multiply and add) per
 * multiply-accumulate of every matrix product. Element-wise work (LayerNorm, softmax, GELU,
 * residual adds) is left out on purpose: it is a few percent of the total at SigLIP sizes and it
 * does not run at the GEMM rate, so counting it would only blur the "fraction of the GEMM ceiling".
 */
final class FlopCounts {
    private FlopCounts() {}

    /** A product of an [m, k] by a [k, n] matrix. */
    static long matmul(long m, long k, long n) {
        return 2 * m * k * n;
    }

    /** One pre-norm encoder layer over {@code l} tokens of width {@code d}, MLP width {@code i}. */
    static long encoderLayer(long l, long d, long i) {
        long projections = 4 * matmul(l, d, d); // q, k, v, out
        long attention = 2 * matmul(l, d, l); // Q K^T and P V, summed over heads
        long mlp = matmul(l, d, i) + matmul(l, i, d);
        return projections + attention + mlp;
    }
}
