/**
 * SigLIP's pairwise sigmoid loss and CLIP's softmax (InfoNCE) loss for comparison runs.
 *
 * <ul>
 *   <li>{@link org.siglip4j.loss.SigmoidLoss}: the full-batch loss, as a DJL
 *       {@link ai.djl.training.loss.Loss} and as static functions on NDArrays (autograd through
 *       DJL), optionally chunked over text columns (O(n x chunk) memory, analytic gradients).</li>
 *   <li>{@link org.siglip4j.loss.ShardedSigmoidLoss}: the exact multi-device form (ring or
 *       all-gather exchange of text shards) returning per-shard embedding gradients.</li>
 *   <li>{@link org.siglip4j.loss.LogitScaleBias}: a block owning the learnable temperature t' and
 *       bias b as DJL parameters, for use without a full SigLIP model.</li>
 *   <li>{@link org.siglip4j.loss.SoftmaxLoss}: CLIP's symmetric cross-entropy.</li>
 * </ul>
 *
 * <p>The math, the ring exchange and benchmark numbers are in {@code docs/loss.md}.
 */
package org.siglip4j.loss;
