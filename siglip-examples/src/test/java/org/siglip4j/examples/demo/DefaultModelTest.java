package org.siglip4j.examples.demo;

import org.junit.jupiter.api.Test;
import org.siglip4j.cli.DefaultModel;
import org.siglip4j.cli.SiglipCli;
import org.siglip4j.core.config.SiglipConfig;
import org.siglip4j.core.pipeline.SiglipPipeline;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped default model (trained by {@code siglip train-demo}, docs/demo.md): it loads with no
 * {@code --model}, and its zero-shot accuracy on the committed sample test images equals the
 * number recorded when it was trained.
 */
class DefaultModelTest {
    private static final Path SAMPLES = Path.of("samples");

    @Test
    void shippedModelReproducesItsRecordedSampleAccuracy() {
        Path dir = DefaultModel.path().orElseThrow(() -> new AssertionError("no default model in this build"));
        assertEquals(TrainDemo.config().visionConfig(), SiglipConfig.load(dir.resolve("config.json")).visionConfig());
        int[] recorded = new int[1];
        List<DemoSamples.Sample> samples = DemoSamples.readIndex(SAMPLES, recorded);
        assertEquals(40, samples.size());
        for (DemoSamples.Sample s : samples) {
            assertTrue(Files.isRegularFile(SAMPLES.resolve(s.file())), s.file());
        }
        try (SiglipPipeline p = SiglipPipeline.load(dir)) {
            assertEquals(recorded[0], DemoSamples.correct(p, SAMPLES, samples));
        }
        // Far above chance (10%): the model really classifies.
        assertTrue(recorded[0] >= 0.8 * samples.size(), recorded[0] + " of " + samples.size());
    }

    @Test
    void classifyWithoutModelOptionUsesTheDefaultModel() {
        DemoSamples.Sample s = DemoSamples.readIndex(SAMPLES, new int[1]).get(0);
        StringWriter out = new StringWriter();
        CommandLine cl = SiglipCli.commandLine();
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute("classify", SAMPLES.resolve(s.file()).toString(), "--labels",
                String.join(",", DemoData.FASHION_CLASSES), "--template", "a photo of a {}.", "--no-progress");
        assertEquals(0, rc);
        assertTrue(out.toString().contains(DemoData.FASHION_CLASSES.get(0)), out.toString());
    }
}
