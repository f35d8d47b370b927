package org.siglip4j.eval;

/**
 * Where an evaluation spent its time.
 *
 * @param imagesEmbedded images the model embedded in this run
 * @param imagesFromCache images taken from the embedding cache
 * @param imageSeconds wall time of the image pass (cache look-ups included)
 * @param imagesPerSecond model throughput on the images it embedded (0 if none)
 * @param textsEmbedded texts the model embedded
 * @param textSeconds wall time of the text pass
 * @param wallSeconds wall time of the whole evaluation
 */
public record Timing(int imagesEmbedded, int imagesFromCache, double imageSeconds,
        double imagesPerSecond, int textsEmbedded, double textSeconds, double wallSeconds) {

    static Timing of(EmbeddingRun images, EmbeddingRun texts, long startNanos) {
        return new Timing(images.computed(), images.fromCache(), images.seconds(),
                images.computedPerSecond(), texts.computed(), texts.seconds(),
                (System.nanoTime() - startNanos) / 1e9);
    }
}
