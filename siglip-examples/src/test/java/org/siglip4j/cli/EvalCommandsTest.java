package org.siglip4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.siglip4j.core.model.SiglipModel;
import org.siglip4j.core.processing.RgbImage;
import org.siglip4j.core.processing.SiglipProcessor;
import org.siglip4j.core.testing.Fixtures;
import org.siglip4j.eval.ClassificationMetrics;
import org.siglip4j.eval.RetrievalMetrics;
import org.siglip4j.eval.RetrievalResult;
import org.siglip4j.eval.ZeroShotResult;
import picocli.CommandLine;

/**
 * Acceptance tests of {@code siglip eval-zeroshot} and {@code siglip eval-retrieval} on the tiny HF
 * fixture model: the reported numbers must equal an independent computation from the embeddings
 * that {@code siglip embed} writes (whose rows are checked against HF's in PipelineCommandsTest),
 * done here in double precision with the protocol written out by hand.
 */
class EvalCommandsTest {

    static final String[] FIXTURE_IMAGES = {"gradient_wide.png", "shapes_tall.png",
        "noise_small.png", "gray_checker.png", "rgba_overlay.png", "palette_stripes.png",
        "exif_rotated.jpg", "exact_size.png"};
    /**
     * Sorted folder names; only classes 1-3 get images, the others stay candidates (and make
     * top-5 a real test: 6 classes).
     */
    static final String[] CLASSES = {"apple_tree", "noisy_thing", "red_square", "striped_pattern",
        "yellow_banana", "zebra_crossing"};
    static final List<String> TEMPLATES =
            List.of("a photo of a {}.", "{} in a picture", "an image showing the {}");

    @TempDir
    static Path tmp;
    static Path data;
    static Path templatesFile;
    /** Images in the evaluator's order (class folder, then file name) with their labels. */
    static final List<Path> images = new ArrayList<>();
    static final List<Integer> labels = new ArrayList<>();

    static NDManager manager;
    static SiglipModel model;
    static SiglipProcessor processor;

    @BeforeAll
    static void writeDataAndLoadReference() throws Exception {
        data = tmp.resolve("data");
        for (String c : CLASSES) {
            Files.createDirectories(data.resolve(c));
        }
        for (int i = 0; i < FIXTURE_IMAGES.length; i++) {
            Files.copy(Fixtures.file("inputs/" + FIXTURE_IMAGES[i]),
                    data.resolve(CLASSES[1 + i % 3]).resolve(FIXTURE_IMAGES[i]));
        }
        Random rnd = new Random(11);
        for (int i = 0; i < 9; i++) {
            int w = 12 + rnd.nextInt(40);
            int h = 12 + rnd.nextInt(40);
            byte[] rgb = new byte[w * h * 3];
            rnd.nextBytes(rgb);
            ImageIO.write(new RgbImage(w, h, rgb).toBufferedImage(), "png",
                    data.resolve(CLASSES[1 + i % 3]).resolve("random" + i + ".png").toFile());
        }
        for (int c = 0; c < CLASSES.length; c++) {
            try (var s = Files.list(data.resolve(CLASSES[c]))) {
                for (Path p : s.sorted().toList()) {
                    images.add(p);
                    labels.add(c);
                }
            }
        }
        templatesFile = tmp.resolve("templates.txt");
        Files.writeString(templatesFile, String.join("\n", TEMPLATES) + "\n", StandardCharsets.UTF_8);

        manager = NDManager.newBaseManager();
        model = SiglipModel.fromPretrained(Fixtures.dir(), manager);
        processor = SiglipProcessor.load(Fixtures.dir());
    }

    @AfterAll
    static void release() {
        processor.close();
        model.close();
        manager.close();
    }

    /** Reference image embeddings [n, d] in double, from {@code siglip embed}'s output file. */
    static double[][] referenceImageEmbeds(List<Path> files) {
        List<String> args = new java.util.ArrayList<>();
        for (Path f : files) {
            args.add("--image");
            args.add(f.toString());
        }
        return embedWithCli(args, "image_embeds");
    }

    /** Reference text embeddings [n, d] in double, from {@code siglip embed}'s output file. */
    static double[][] referenceTextEmbeds(List<String> texts) {
        List<String> args = new java.util.ArrayList<>();
        for (String t : texts) {
            args.add("--text");
            args.add(t);
        }
        return embedWithCli(args, "text_embeds");
    }

    /** Runs {@code siglip embed --model FIXTURE ARGS --out tmp.safetensors} and reads one tensor back. */
    private static double[][] embedWithCli(List<String> args, String tensor) {
        try {
            Path out = Files.createTempFile("siglip-embed", ".safetensors");
            List<String> all = new java.util.ArrayList<>(List.of("embed", "--model", Fixtures.dir().toString(),
                    "--no-progress", "--out", out.toString()));
            all.addAll(args);
            int rc = SiglipCli.commandLine().execute(all.toArray(new String[0]));
            assertEquals(0, rc, "siglip embed failed");
            try (NDManager m = manager.newSubManager();
                 org.siglip4j.core.checkpoint.SafetensorsReader r =
                         org.siglip4j.core.checkpoint.SafetensorsReader.open(out)) {
                return toRows(r.load(tensor, m));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static double[][] toRows(NDArray e) {
        int n = (int) e.getShape().get(0);
        int d = (int) e.getShape().get(1);
        float[] f = e.toFloatArray();
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                out[i][k] = f[i * d + k];
            }
        }
        return out;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    record Run(int exit, String out, String err) {}

    static Run cli(String... args) {
        CommandLine cl = SiglipCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void zeroShotEqualsAnIndependentComputation() throws Exception {
        Path json = tmp.resolve("zs.json");
        Path md = tmp.resolve("zs.md");
        Run r = cli("eval-zeroshot", "--model", Fixtures.dir().toString(), "--data",
                data.toString(), "--templates", templatesFile.toString(), "--batch-size", "4",
                "--json", json.toString(), "--markdown", md.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err());
        ZeroShotResult result = ZeroShotResult.fromJson(Files.readString(json));
        ClassificationMetrics m = result.metrics();

        // --- independent computation ---
        int nClasses = CLASSES.length;
        double[][] classEmb = new double[nClasses][];
        for (int c = 0; c < nClasses; c++) {
            String name = CLASSES[c].replace('_', ' ');
            List<String> prompts = new ArrayList<>();
            for (String t : TEMPLATES) {
                prompts.add(t.replace("{}", name));
            }
            double[][] t = referenceTextEmbeds(prompts);
            double[] mean = new double[t[0].length];
            for (double[] row : t) {
                for (int k = 0; k < mean.length; k++) {
                    mean[k] += row[k] / t.length;
                }
            }
            double norm = Math.sqrt(dot(mean, mean));
            for (int k = 0; k < mean.length; k++) {
                mean[k] /= norm;
            }
            classEmb[c] = mean;
        }
        double[][] img = referenceImageEmbeds(images);
        int n = img.length;
        int k5 = Math.min(5, nClasses);
        int top1 = 0;
        int top5 = 0;
        int[] perClassImages = new int[nClasses];
        int[] perClassTop1 = new int[nClasses];
        double smallestGap = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            int label = labels.get(i);
            double own = dot(img[i], classEmb[label]);
            int rank = 1;
            for (int c = 0; c < nClasses; c++) {
                if (c != label) {
                    double s = dot(img[i], classEmb[c]);
                    smallestGap = Math.min(smallestGap, Math.abs(s - own));
                    if (s >= own) {
                        rank++;
                    }
                }
            }
            perClassImages[label]++;
            if (rank == 1) {
                top1++;
                perClassTop1[label]++;
            }
            if (rank <= k5) {
                top5++;
            }
        }
        double meanPerClass = 0;
        int withImages = 0;
        for (int c = 0; c < nClasses; c++) {
            if (perClassImages[c] > 0) {
                meanPerClass += (double) perClassTop1[c] / perClassImages[c];
                withImages++;
            }
        }
        meanPerClass /= withImages;
        // float32 vs double scoring can only disagree on near-ties; this data has none
        assertTrue(smallestGap > 1e-5, "near-tie " + smallestGap + ": the comparison is fragile");
        // the comparison means something only if the model is neither always right nor wrong
        assertTrue(top1 > 0 && top1 < n, "top1 count " + top1);

        assertEquals(17, n);
        assertEquals(n, m.numImages());
        assertEquals(nClasses, m.numClasses());
        assertEquals(3, m.classesWithoutImages());
        assertEquals(k5, m.top5K());
        assertEquals((double) top1 / n, m.top1(), 1e-12);
        assertEquals((double) top5 / n, m.top5(), 1e-12);
        assertEquals(meanPerClass, m.meanPerClassAccuracy(), 1e-12);
        for (int c = 0; c < nClasses; c++) {
            assertEquals(perClassImages[c], m.perClass().get(c).images(), CLASSES[c]);
            assertEquals(perClassTop1[c], m.perClass().get(c).top1Correct(), CLASSES[c]);
            assertEquals(CLASSES[c].replace('_', ' '), m.perClass().get(c).name());
        }
        assertEquals("32/resize", result.preprocessing());
        assertEquals(3, result.protocol().templates());
        assertTrue(result.model().startsWith("siglip-tiny@"), result.model());
        // the printed summary is the Markdown report
        assertEquals(Files.readString(md).strip(), r.out().strip());
        System.out.printf("eval-zeroshot on the fixture: top1 %d/%d, top%d %d/%d%n", top1, n, k5,
                top5, n);
    }

    @Test
    void retrievalEqualsAnIndependentComputation() throws Exception {
        // 5 images; image i has captions {texts[i]} plus one shared-word caption for two of them
        String[] captions = {"a smooth red to blue gradient", "two circles and a square",
            "random noise pixels", "a grayscale checkerboard", "semi transparent overlay"};
        StringBuilder manifest = new StringBuilder();
        List<Path> imgs = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<Integer> textToImage = new ArrayList<>();
        for (int i = 0; i < captions.length; i++) {
            Path p = Fixtures.file("inputs/" + FIXTURE_IMAGES[i]);
            imgs.add(p);
            List<String> caps = new ArrayList<>(List.of(captions[i]));
            if (i % 2 == 0) {
                caps.add("picture number " + i);
            }
            manifest.append("{\"image\": \"").append(p.toString().replace("\\", "\\\\"))
                    .append("\", \"captions\": [");
            for (int k = 0; k < caps.size(); k++) {
                manifest.append(k == 0 ? "" : ", ").append('"').append(caps.get(k)).append('"');
                texts.add(caps.get(k));
                textToImage.add(i);
            }
            manifest.append("]}\n");
        }
        Path file = tmp.resolve("retrieval.jsonl");
        Files.writeString(file, manifest.toString());
        Path json = tmp.resolve("ret.json");
        Run r = cli("eval-retrieval", "-m", Fixtures.dir().toString(), "--manifest",
                file.toString(), "--batch-size", "3", "--json", json.toString(), "--no-progress");
        assertEquals(0, r.exit(), r.err());
        RetrievalMetrics m = RetrievalResult.fromJson(Files.readString(json)).metrics();

        double[][] ie = referenceImageEmbeds(imgs);
        double[][] te = referenceTextEmbeds(texts);
        int[] i2t = new int[ie.length];
        for (int i = 0; i < ie.length; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < te.length; t++) {
                if (textToImage.get(t) == i) {
                    best = Math.max(best, dot(ie[i], te[t]));
                }
            }
            int rank = 1;
            for (int t = 0; t < te.length; t++) {
                if (textToImage.get(t) != i && dot(ie[i], te[t]) > best) {
                    rank++;
                }
            }
            i2t[i] = rank;
        }
        int[] t2i = new int[te.length];
        for (int t = 0; t < te.length; t++) {
            double own = dot(te[t], ie[textToImage.get(t)]);
            int rank = 1;
            for (int i = 0; i < ie.length; i++) {
                if (i != textToImage.get(t) && dot(te[t], ie[i]) > own) {
                    rank++;
                }
            }
            t2i[t] = rank;
        }
        check(i2t, m.imageToText(), "image->text");
        check(t2i, m.textToImage(), "text->image");
    }

    static void check(int[] ranks, RetrievalMetrics.Direction d, String what) {
        int r1 = 0;
        int r5 = 0;
        double sum = 0;
        for (int r : ranks) {
            r1 += r == 1 ? 1 : 0;
            r5 += r <= 5 ? 1 : 0;
            sum += r;
        }
        assertEquals(ranks.length, d.queries(), what);
        assertEquals((double) r1 / ranks.length, d.recallAt1(), 1e-12, what + " R@1");
        assertEquals((double) r5 / ranks.length, d.recallAt5(), 1e-12, what + " R@5");
        assertEquals(sum / ranks.length, d.meanRank(), 1e-12, what + " mean rank");
    }

    @Test
    void cropLimitAndCacheOptions() throws Exception {
        Path cache = tmp.resolve("cache");
        Path json = tmp.resolve("crop.json");
        String[] args = {"eval-zeroshot", "--model", Fixtures.dir().toString(), "--data",
            data.toString(), "--templates", "simple", "--crop", "--limit", "5", "--cache",
            cache.toString(), "--json", json.toString(), "--no-progress"};
        assertEquals(0, cli(args).exit());
        ZeroShotResult first = ZeroShotResult.fromJson(Files.readString(json));
        assertEquals("32/resize-crop0.875", first.preprocessing());
        assertEquals(5, first.metrics().numImages());
        assertEquals(5, first.timing().imagesEmbedded());
        assertEquals(0, cli(args).exit());
        ZeroShotResult second = ZeroShotResult.fromJson(Files.readString(json));
        assertEquals(0, second.timing().imagesEmbedded(), "all images from the cache");
        assertEquals(5, second.timing().imagesFromCache());
        assertEquals(first.metrics(), second.metrics());
    }

    @Test
    void errorsAreOneActionableLine() {
        Run r = cli("eval-zeroshot", "--model", Fixtures.dir().toString(), "--data",
                data.toString(), "--limit", "3", "--limit-mode", "random");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--limit-mode must be 'stratified' or 'first'"), r.err());
        Run missing = cli("eval-zeroshot", "--model", Fixtures.dir().toString(), "--data",
                tmp.resolve("nope").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope"), missing.err());
        assertEquals(2, cli("eval-retrieval", "--model", "x").exit(), "usage error");
    }
}
