package org.siglip4j.core.processing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.core.tokenizer.SiglipTokenizer;

/**
 * Throughput of the tokenizer and of image preprocessing (not a test; prints numbers).
 * Run: {@code java -cp <test classpath> org.siglip4j.core.processing.ProcessingBenchmark}.
 */
public final class ProcessingBenchmark {
    private ProcessingBenchmark() {}

    public static void main(String[] args) throws IOException {
        System.out.println("cores: " + Runtime.getRuntime().availableProcessors());
        benchTokenizer();
        benchImages();
    }

    private static void benchTokenizer() throws IOException {
        String[] fixture = new com.google.gson.Gson().fromJson(
                Files.readString(Fixtures.file("inputs/texts.json")), String[].class);
        List<String> batch = new ArrayList<>();
        for (int i = 0; batch.size() < 1024; i++) {
            batch.add(fixture[i % fixture.length] + " " + i);
        }
        try (SiglipTokenizer t = SiglipTokenizer.load(Fixtures.dir())) {
            for (int i = 0; i < 5; i++) {
                t.encode(batch);
            }
            int reps = 20;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                t.encode(batch);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("tokenizer: batch of %d texts: %.0f texts/s%n", batch.size(), reps * batch.size() / s);
            t0 = System.nanoTime();
            int single = 2000;
            for (int i = 0; i < single; i++) {
                t.encode(batch.get(i % batch.size()));
            }
            s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("tokenizer: one text per call: %.0f texts/s%n", single / s);
        }
    }

    private static void benchImages() throws IOException {
        Path dir = Files.createTempDirectory("siglip-bench");
        Random rnd = new Random(0);
        List<Path> files = new ArrayList<>();
        List<RgbImage> decoded = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int w = 480 + rnd.nextInt(320);
            int h = 360 + rnd.nextInt(240);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = img.createGraphics();
            for (int k = 0; k < 40; k++) {
                g.setColor(new Color(rnd.nextInt(0xFFFFFF)));
                g.fillOval(rnd.nextInt(w), rnd.nextInt(h), 20 + rnd.nextInt(200), 20 + rnd.nextInt(200));
            }
            g.dispose();
            Path f = dir.resolve("img" + i + ".jpg");
            ImageIO.write(img, "jpg", f.toFile());
            files.add(f);
            decoded.add(ImageLoader.toRgb(img));
        }
        SiglipImageProcessorConfig cfg = SiglipImageProcessorConfig.defaults(); // 224x224 bicubic
        for (boolean parallel : new boolean[] {false, true}) {
            SiglipImageProcessor p = new SiglipImageProcessor(cfg, parallel);
            String mode = parallel ? "parallel" : "single-thread";
            for (int i = 0; i < 3; i++) {
                p.preprocessFilesToArray(files);
            }
            int reps = 5;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                p.preprocessFilesToArray(files);
            }
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("images (%s): JPEG ~640x480 -> decode+EXIF+resize 224x224+normalise: %.1f images/s%n",
                    mode, reps * files.size() / s);
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                p.preprocessToArray(decoded);
            }
            s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("images (%s): decoded RGB ~640x480 -> resize 224x224+normalise: %.1f images/s%n",
                    mode, reps * decoded.size() / s);
        }
        for (Path f : files) {
            Files.delete(f);
        }
        Files.delete(dir);
    }
}
