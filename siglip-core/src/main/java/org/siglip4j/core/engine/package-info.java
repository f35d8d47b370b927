/**
 * The execution seam of inference: an {@link org.siglip4j.core.engine.ExecutionPolicy} (engine,
 * quantisation, export cache, threads), built once where the application starts and passed down,
 * and the {@link org.siglip4j.core.engine.SiglipEngine} it opens for a loaded model: the DJL
 * PyTorch blocks ({@link org.siglip4j.core.engine.PyTorchEngine}, the engine that also trains) or
 * ONNX Runtime on graphs exported in Java ({@link org.siglip4j.core.engine.OnnxRuntimeEngine}).
 * Pipelines call the interface and never ask which engine they have. {@link
 * org.siglip4j.core.engine.Calibrator} measures which linear kernel and chunk budgets are right and
 * fastest on this machine ({@code siglip calibrate}); the compute policy a model is built with
 * starts from its cached picks ({@link org.siglip4j.core.nn.CalibrationCache}).
 */
package org.siglip4j.core.engine;
