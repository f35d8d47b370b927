/** The JSONL metrics log and the loss/learning-rate plot of a training run. */
package org.siglip4j.train.metrics;
