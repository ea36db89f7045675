//DEPS org.knowm.xchart:xchart:3.8.8
package shortsmith.benchmark;

import shortsmith.core.ShortsmithException;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The benchmark's charts (XChart PNGs): quality against time, size against quality, and the schedules. */
public final class Charts {
    private Charts() {}

    /** SSIM against median seconds, one point per available row. */
    public static void qualityAgainstTime(List<Benchmark.Row> rows, Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Quality against time (higher and further left is better)")
                .xAxisTitle("median seconds for the scene set").yAxisTitle("SSIM against lossless").build();
        style(chart);
        for (var r : rows) {
            if (!r.available()) continue;
            chart.addSeries(r.profile(), new double[]{r.medianSeconds()}, new double[]{r.ssim()}).setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, png);
    }

    /** Bitrate against SSIM, one point per available row. */
    public static void sizeAgainstQuality(List<Benchmark.Row> rows, Path png) {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Size against quality (lower and further right is better)")
                .xAxisTitle("SSIM against lossless").yAxisTitle("kB per second of video").build();
        style(chart);
        for (var r : rows) {
            if (!r.available() || r.profile().equals("lossless")) continue;
            chart.addSeries(r.profile(), new double[]{r.ssim()}, new double[]{r.kbPerSecond()}).setMarker(SeriesMarkers.DIAMOND);
        }
        save(chart, png);
    }

    /** Wall time of the whole Short: stages one after another against short's overlapped schedule, with the critical path. */
    public static void pipeline(List<Benchmark.PipelineRow> rows, Path png) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(480).title("The whole Short: wall time against the critical path")
                .xAxisTitle("").yAxisTitle("seconds").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.addSeries("wall", rows.stream().map(Benchmark.PipelineRow::method).toList(), rows.stream().map(Benchmark.PipelineRow::seconds).toList());
        chart.addSeries("critical path", rows.stream().map(Benchmark.PipelineRow::method).toList(),
                rows.stream().map(Benchmark.PipelineRow::criticalPath).toList());
        save(chart, png);
    }

    private static void style(XYChart chart) {
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(12);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png) {
        try {
            java.nio.file.Files.createDirectories(png.toAbsolutePath().getParent());
            BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw ShortsmithException.output("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}
