package org.siglip4j.train.metrics;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
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
 * Draws the loss curve of a metrics log as a PNG, with XChart: loss on the left axis, the learning
 * rate on its own right-hand axis, and eval accuracy (when logged) on a third axis. Each gets its
 * own scale because they differ by orders of magnitude: sharing one, a learning rate of 1e-4 drew
 * as a flat line at 0 under accuracies near 1.
 */
public final class TrainingPlot {
    private TrainingPlot() {}

    /**
     * Writes {@code png} from the records of a metrics log (see {@link MetricsLog}).
     *
     * @param title the chart title
     */
    public static void write(List<Map<String, Object>> rows, String title, Path png) {
        writePng(chart(rows, title), png);
    }

    /** The chart of {@link #write}: loss on axis group 0, learning rate on 1, eval accuracy on 2. */
    static XYChart chart(List<Map<String, Object>> rows, String title) {
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
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.setYAxisGroupTitle(1, "learning rate");
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        XYSeries ls = chart.addSeries("loss", steps, loss);
        ls.setMarker(SeriesMarkers.NONE);
        XYSeries lrs = chart.addSeries("learning rate", steps, lr);
        lrs.setMarker(SeriesMarkers.NONE);
        lrs.setYAxisGroup(1);
        if (!evalSteps.isEmpty()) {
            chart.setYAxisGroupTitle(2, "eval accuracy");
            chart.getStyler().setYAxisGroupPosition(2, Styler.YAxisPosition.Right);
            XYSeries acc = chart.addSeries("eval accuracy", evalSteps, evalAcc);
            acc.setYAxisGroup(2);
        }
        return chart;
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
