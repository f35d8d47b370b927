package org.siglip4j.core.processing;

import org.siglip4j.core.SiglipException;

/**
 * How {@link ImageLoader} treats damaged and very large files. The default matches Pillow's
 * defaults, and so HF's {@code load_image}: a truncated file is an error.
 *
 * @param loadTruncatedImages decode what a truncated file holds instead of failing, like
 *     Pillow's {@code ImageFile.LOAD_TRUNCATED_IMAGES = True}; the missing part comes out as the
 *     decoder leaves it (black for PNG, as in Pillow; JPEG as libjpeg finishes it)
 * @param maxDecodeBytes the most heap one decode may take (decoded raster plus RGB copy, estimated
 *     from the header before decoding), or 0 for "what the heap can hold": three quarters of the
 *     heap not held by live objects after the last garbage collection
 */
public record ImageLoadOptions(boolean loadTruncatedImages, long maxDecodeBytes) {

    /** Pillow's defaults: truncated files fail; the heap bounds a decode. */
    public static final ImageLoadOptions DEFAULT = new ImageLoadOptions(false, 0);

    /** Validates the byte limit. */
    public ImageLoadOptions {
        if (maxDecodeBytes < 0) {
            throw new SiglipException("maxDecodeBytes must be 0 (the heap decides) or positive, got " + maxDecodeBytes);
        }
    }

    /**
     * Returns these options with another truncated-file policy.
     *
     * @param accept whether truncated files are decoded (Pillow's {@code LOAD_TRUNCATED_IMAGES})
     * @return a copy
     */
    public ImageLoadOptions withLoadTruncatedImages(boolean accept) {
        return new ImageLoadOptions(accept, maxDecodeBytes);
    }

    /**
     * Returns these options with another memory bound.
     *
     * @param bytes the most heap one decode may take, or 0 for what the heap can hold
     * @return a copy
     */
    public ImageLoadOptions withMaxDecodeBytes(long bytes) {
        return new ImageLoadOptions(loadTruncatedImages, bytes);
    }
}
