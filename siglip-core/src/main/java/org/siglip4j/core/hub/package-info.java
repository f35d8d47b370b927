/**
 * Hugging Face hub client: downloads model files by hub id ({@code google/siglip-base-patch16-224})
 * into the standard Hugging Face cache ({@code models--org--name/{blobs,snapshots,refs}}), laid out
 * exactly as Python's {@code huggingface_hub} does so both share one cache, with resumable
 * downloads, offline mode and path-safety checks. {@link org.siglip4j.core.hub.ModelLocator} turns
 * "a local folder or a hub id" into a local model folder. See {@code docs/hub.md}.
 */
package org.siglip4j.core.hub;
