/**
 * Zero-shot evaluation as an Apache Spark job, for data sets too large to embed on one machine.
 *
 * <p>{@link org.siglip4j.eval.spark.SparkZeroShotEvaluator} runs the protocol of {@link
 * org.siglip4j.eval.ZeroShotEvaluator} with plain Spark (RDD API, {@code spark-core} only): class
 * embeddings are built once on the driver and broadcast, each executor JVM loads one model through
 * a serializable {@link org.siglip4j.eval.spark.EmbeddingModelFactory} and embeds and ranks its
 * partitions' images, and the driver turns the per-image ranks into the same {@link
 * org.siglip4j.eval.ClassificationMetrics}. Spark is a {@code provided} dependency: applications
 * run on their cluster's Spark 3.5 (Scala 2.13 build).
 */
package org.siglip4j.eval.spark;
