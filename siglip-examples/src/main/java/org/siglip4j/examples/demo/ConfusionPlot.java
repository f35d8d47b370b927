package org.siglip4j.examples.demo;

import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.siglip4j.train.metrics.TrainingPlot;

import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A confusion matrix as a heat map PNG (XChart). */
public final class ConfusionPlot {
    private ConfusionPlot() {}

    /**
     * Writes the matrix {@code counts[true][predicted]} with class names on both axes.
     */
    public static void write(int[][] counts, List<String> classes, String title, Path png) {
        int k = classes.size();
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                // x = predicted, y = true (row 0 at the top).
                cells.add(new Number[] {p, k - 1 - t, counts[t][p]});
            }
        }
        List<String> reversed = new ArrayList<>(classes);
        java.util.Collections.reverse(reversed);
        HeatMapChart chart = new HeatMapChartBuilder().width(760).height(680).title(title)
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(120, 170, 230), new Color(20, 60, 150)});
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("confusion", classes, reversed, cells);
        TrainingPlot.writePng(chart, png);
    }
}
