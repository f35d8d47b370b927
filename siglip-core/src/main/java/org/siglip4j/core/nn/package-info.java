/**
 * The SigLIP towers as DJL blocks. Every block registers its children and parameters under the
 * Hugging Face module names, so {@link org.siglip4j.core.nn.SiglipModule#namedParameters()} yields
 * exactly the checkpoint keys ({@code vision_model.encoder.layers.3.self_attn.q_proj.weight}).
 */
package org.siglip4j.core.nn;
