package org.siglip4j.train.metrics;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.siglip4j.core.SiglipException;
import org.siglip4j.core.io.AtomicFiles;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Draws the loss curve (and learning rate on a second axis, and eval accuracy when logged) of a
 * metrics log as a PNG, with XChart.
 */
public final class TrainingPlot {
    private TrainingPlot() {}

    /**
     * Writes {@code png} from the records of a metrics log (see {@link MetricsLog}).
     *
     * @param title the chart title
     */
    public static void write(List<Map<String, Object>> rows, String title, Path png) {
        List<Double> steps = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        List<Double> lr = new ArrayList<>();
        List<Double> evalSteps = new ArrayList<>();
        List<Double> evalAcc = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            if (r.get("step") instanceof Double step) {
                if (r.get("loss") instanceof Double l && r.get("lr") instanceof Double rate) {
                    steps.add(step);
                    loss.add(l);
                    lr.add(rate);
                }
                if (r.get("eval_accuracy") instanceof Double acc) {
                    evalSteps.add(step);
                    evalAcc.add(acc);
                }
            }
        }
        if (steps.isEmpty()) {
            throw new SiglipException("no training records with step, loss and lr to plot");
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title)
                .xAxisTitle("step").yAxisTitle("loss").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.setYAxisGroupTitle(1, "learning rate / accuracy");
        XYSeries ls = chart.addSeries("loss", steps, loss);
        ls.setMarker(SeriesMarkers.NONE);
        XYSeries lrs = chart.addSeries("learning rate", steps, lr);
        lrs.setMarker(SeriesMarkers.NONE);
        lrs.setYAxisGroup(1);
        if (!evalSteps.isEmpty()) {
            XYSeries acc = chart.addSeries("eval accuracy", evalSteps, evalAcc);
            acc.setYAxisGroup(1);
        }
        writePng(chart, png);
    }

    /**
     * Writes a chart as a PNG atomically (a crash never leaves a truncated picture), creating the
     * folder if needed.
     */
    public static void writePng(Chart<?, ?> chart, Path png) {
        AtomicFiles.write(png, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        });
    }
}
