/**
 * siglip4j core: SigLIP (Zhai et al., "Sigmoid Loss for Language Image Pre-Training",
 * arXiv 2303.15343) configs, towers, checkpoint I/O, processor and pipelines on DJL.
 */
package org.siglip4j.core;
