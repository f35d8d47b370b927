/**
 * ONNX export written in Java, with no Python step: {@link org.siglip4j.core.onnx.SiglipOnnxExporter}
 * turns a loaded {@link org.siglip4j.core.model.SiglipModel} into ONNX graphs (opset 17, weights as
 * initializers, external data beyond 2 GiB) of the vision tower, the text tower and the whole
 * model, optionally with int8 or int4 weights ({@link org.siglip4j.core.onnx.Quantization});
 * {@link org.siglip4j.core.onnx.OnnxGraph} is the small graph builder and ONNX protobuf writer
 * behind it, and {@link org.siglip4j.core.onnx.OnnxExportCache} keeps exported graphs keyed by the
 * content they were made from.
 */
package org.siglip4j.core.onnx;
