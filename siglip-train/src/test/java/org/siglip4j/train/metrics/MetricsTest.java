package org.siglip4j.train.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void resumeDropsRecordsPastTheResumedStep() {
        Path log = dir.resolve("metrics.jsonl");
        try (MetricsLog m = MetricsLog.open(log, -1)) {
            for (int s = 1; s <= 8; s++) {
                m.log(Map.of("step", s, "loss", 10.0 / s, "lr", 0.1));
            }
        }
        try (MetricsLog m = MetricsLog.open(log, 5)) {
            m.log(Map.of("step", 6, "loss", 1.5, "lr", 0.1));
        }
        List<Map<String, Object>> rows = MetricsLog.read(log);
        assertEquals(6, rows.size());
        assertEquals(1.5, rows.get(5).get("loss"));
        assertEquals(2.0, rows.get(4).get("loss"));
    }

    @Test
    void plotIsARealPng() throws IOException {
        List<Map<String, Object>> rows = List.of(
                Map.of("step", 1.0, "loss", 3.0, "lr", 0.001),
                Map.of("step", 2.0, "loss", 2.0, "lr", 0.002),
                Map.of("step", 3.0, "loss", 1.0, "lr", 0.001, "eval_accuracy", 0.5));
        Path png = dir.resolve("plots/loss.png");
        TrainingPlot.write(rows, "test run", png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(Files.list(png.getParent()).count() == 1, "no temporary file left behind");
    }

    @Test
    void learningRateHasItsOwnAxis() {
        List<Map<String, Object>> rows = List.of(
                Map.of("step", 1.0, "loss", 3.0, "lr", 1e-4),
                Map.of("step", 2.0, "loss", 2.0, "lr", 2e-4, "eval_accuracy", 0.9));
        org.knowm.xchart.XYChart chart = TrainingPlot.chart(rows, "axes");
        int loss = chart.getSeriesMap().get("loss").getYAxisGroup();
        int lr = chart.getSeriesMap().get("learning rate").getYAxisGroup();
        int acc = chart.getSeriesMap().get("eval accuracy").getYAxisGroup();
        assertEquals(3, java.util.Set.of(loss, lr, acc).size(), "loss, lr and accuracy on three axes");
        assertEquals("learning rate", chart.getYAxisGroupTitle(lr));
        assertEquals("eval accuracy", chart.getYAxisGroupTitle(acc));
    }
}
