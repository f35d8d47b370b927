/** Optimiser (AdamW with decoupled, selective weight decay), learning-rate schedule and global-norm clipping. */
package org.siglip4j.train.optim;
