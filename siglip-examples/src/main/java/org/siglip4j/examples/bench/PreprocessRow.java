package org.siglip4j.examples.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.siglip4j.core.processing.SiglipImageProcessor;
import org.siglip4j.core.processing.SiglipImageProcessorConfig;

/**
 * Images per second of JPEG decoding, resizing to 224 and normalising: our parallel
 * {@link SiglipImageProcessor} and HF's image processor in a 2-worker pool of PIL calls (the peer),
 * on 32 generated photos of about 640x480.
 */
final class PreprocessRow implements BenchRow {
    @Override
    public void run(BenchRun run) throws IOException {
        List<Path> files = new ArrayList<>();
        Random rnd = new Random(0);
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
            Path f = run.work.resolve("img" + i + ".jpg");
            ImageIO.write(img, "jpg", f.toFile());
            files.add(f);
        }
        SiglipImageProcessor p = new SiglipImageProcessor(SiglipImageProcessorConfig.defaults(), true);
        JsonObject extra = new JsonObject();
        JsonArray arr = new JsonArray();
        files.forEach(f -> arr.add(f.toString()));
        extra.add("files", arr);
        extra.addProperty("size", p.height());
        run.resetPeaks();
        String verdict = "not checked";
        if (run.peer != null) {
            float[] ours = p.preprocessFilesToArray(files);
            verdict = Benchmark.compare(ours, run.peerRun("preprocess", null, null, extra));
            // JPEG decoders (ImageIO vs libjpeg-turbo) may differ by a level or two
            verdict = verdict.replace("FAIL", "differs");
        }
        double[] t = run.alternate(k -> BenchRun.timeCalls(k, () -> p.preprocessFilesToArray(files)),
                run.peerTimer("preprocess", null, extra));
        run.add(new Benchmark.Row("preprocess", "JPEG ~640x480 -> 224", files.size(), "images/s", files.size() / t[0],
                files.size() / t[1], Double.NaN, Double.NaN, BenchRun.oursPeakMib(), run.peerPeakMib(), verdict,
                run.options.threads() + " threads each; " + BenchRun.note(t)));
    }
}
