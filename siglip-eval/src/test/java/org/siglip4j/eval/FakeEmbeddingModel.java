package org.siglip4j.eval;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Deterministic test stand-in for a dual encoder (test code only). An image embeds as its mean
 * (R, G, B) plus small content-hash dimensions; a text embeds as the colour words it names plus a
 * small text-hash perturbation, so templates matter a little and colours decide.
 */
class FakeEmbeddingModel implements EmbeddingModel {

    static final int DIM = 8;
    private final String preprocessingId;
    int imagesEmbedded;
    int textsEmbedded;
    int imageCalls;

    FakeEmbeddingModel(String preprocessingId) {
        this.preprocessingId = preprocessingId;
    }

    @Override
    public String id() {
        return "fake-colour-v1";
    }

    @Override
    public String preprocessingId() {
        return preprocessingId;
    }

    @Override
    public float[][] embedImages(List<Path> images) {
        imageCalls++;
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = image(images.get(i));
        }
        imagesEmbedded += images.size();
        return out;
    }

    @Override
    public float[][] embedTexts(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = text(texts.get(i));
        }
        textsEmbedded += texts.size();
        return out;
    }

    static float[] image(Path p) {
        try {
            // decoded like the real model, so unreadable files fail the same way (SiglipException)
            BufferedImage img = org.siglip4j.core.processing.ImageLoader.load(p).toBufferedImage();
            double r = 0;
            double g = 0;
            double b = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int rgb = img.getRGB(x, y);
                    r += ((rgb >> 16) & 0xff) / 255.0;
                    g += ((rgb >> 8) & 0xff) / 255.0;
                    b += (rgb & 0xff) / 255.0;
                }
            }
            double n = (double) img.getWidth() * img.getHeight();
            double[] v = new double[DIM];
            v[0] = r / n;
            v[1] = g / n;
            v[2] = b / n;
            noise(v, Files.readAllBytes(p), 0.05);
            return unit(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] text(String t) {
        String s = t.toLowerCase(Locale.ROOT);
        double[] v = new double[DIM];
        if (s.contains("red")) {
            v[0] += 1;
        }
        if (s.contains("green")) {
            v[1] += 1;
        }
        if (s.contains("blue")) {
            v[2] += 1;
        }
        v[7] += 0.2; // keeps colourless names (and their average) away from zero
        noise(v, t.getBytes(StandardCharsets.UTF_8), 0.15);
        return unit(v);
    }

    private static void noise(double[] v, byte[] content, double scale) {
        long h = 1125899906842597L;
        for (byte x : content) {
            h = 31 * h + x;
        }
        java.util.Random rnd = new java.util.Random(h);
        for (int d = 3; d < DIM; d++) {
            v[d] += scale * (rnd.nextDouble() - 0.5);
        }
    }

    private static float[] unit(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        n = Math.sqrt(n);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / n);
        }
        return out;
    }

    /** Writes a {@code size x size} PNG of one colour, with one marker pixel to vary content. */
    static void png(Path file, int rgb, int marker) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        img.setRGB(0, 0, marker);
        ImageIO.write(img, "png", file.toFile());
    }
}
