/**
 * The Hugging Face SigLIP model classes ({@code SiglipModel}, {@code SiglipVisionModel},
 * {@code SiglipTextModel}, {@code SiglipForImageClassification}) with {@code fromPretrained},
 * {@code save} and a graph-free inference API whose results belong to the inputs' manager.
 */
package org.siglip4j.core.model;
