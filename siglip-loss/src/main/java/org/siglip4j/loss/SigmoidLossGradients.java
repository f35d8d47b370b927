package org.siglip4j.loss;

import ai.djl.ndarray.NDArray;

/**
 * The value of the sigmoid loss and its gradients, computed analytically (no autograd graph).
 *
 * @param loss scalar loss
 * @param gradImageEmbeds d loss / d image embeddings, same shape as the image embeddings
 * @param gradTextEmbeds d loss / d text embeddings, same shape as the text embeddings
 * @param gradLogitScale d loss / d t' (zero while t' is above the configured bound), shape of t'
 * @param gradLogitBias d loss / d b, shape of b
 */
public record SigmoidLossGradients(
        NDArray loss,
        NDArray gradImageEmbeds,
        NDArray gradTextEmbeds,
        NDArray gradLogitScale,
        NDArray gradLogitBias) {}
