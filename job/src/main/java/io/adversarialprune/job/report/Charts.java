package io.adversarialprune.job.report;

import io.adversarialprune.job.report.ConfigMetrics.Rate;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn by XChart and encoded as SVG text for inlining. Stateless; AWT runs
 * headless.
 */
public final class Charts {
  static final int WIDTH = 640;
  static final int HEIGHT = 380;
  private static final Color[] COLORS = {
    new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)
  };

  private Charts() {}

  /** A titled chart as SVG markup ({@code <svg ...>...</svg>}, no XML prolog). */
  public record Chart(String id, String title, boolean logX, String svg) {}

  /**
   * For each single-step prune type present: rates with 95% bands, prune ratio and perturbation
   * norms against the prune value; of the worst case over attacks when the run has several.
   */
  public static List<Chart> forRun(List<ConfigMetrics> all) throws IOException {
    System.setProperty("java.awt.headless", "true");
    // With several attacks the charts show the worst case over them, else the one attack.
    List<ConfigMetrics> metrics =
        all.stream().anyMatch(ConfigMetrics::worstCase)
            ? all.stream().filter(ConfigMetrics::worstCase).toList()
            : all;
    String suffix = metrics == all ? "" : " (worst case over attacks)";
    List<Chart> out = new ArrayList<>();
    List<String> types =
        metrics.stream()
            .filter(m -> m.target() == null && m.pruneValue() != null)
            .map(ConfigMetrics::pruneType)
            .distinct()
            .toList();
    for (String type : types) {
      List<ConfigMetrics> rows =
          metrics.stream()
              .filter(m -> type.equals(m.pruneType()) && m.pruneValue() != null)
              .sorted((a, b) -> Double.compare(a.pruneValue(), b.pruneValue()))
              .toList();
      if (rows.isEmpty()) {
        continue;
      }
      double[] x = rows.stream().mapToDouble(ConfigMetrics::pruneValue).toArray();
      boolean log = spansDecades(x);

      XYChart rates = chart("Accuracy and strict ASR vs " + type + suffix, type, "rate", log);
      rates.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
      int c = 0;
      for (Rate rate : List.of(Rate.CLEAN_ACC, Rate.REMNANT_ACC, Rate.STRICT_ASR)) {
        band(rates, rate.column, x, rows, rate::of, COLORS[c++]);
      }
      out.add(new Chart("rates-" + type, rates.getTitle(), log, svg(rates)));

      XYChart ratio = chart("Prune ratio vs " + type, type, "prune_ratio", log);
      line(ratio, "prune_ratio", x, values(rows, ConfigMetrics::pruneRatio), COLORS[0]);
      out.add(new Chart("ratio-" + type, ratio.getTitle(), log, svg(ratio)));

      if (rows.stream().anyMatch(m -> m.meanLinf() != null)) { // a worst case has no norms
        XYChart norms = chart("Perturbation norms vs " + type, type, "norm", log);
        line(norms, "mean_linf", x, values(rows, ConfigMetrics::meanLinf), COLORS[0]);
        line(norms, "mean_l2", x, values(rows, ConfigMetrics::meanL2), COLORS[1]);
        out.add(new Chart("norms-" + type, norms.getTitle(), log, svg(norms)));
      }
    }
    Chart byRatio = accuracyVsRatio(metrics);
    if (byRatio != null) {
      out.add(byRatio);
    }
    return out;
  }

  /**
   * Clean accuracy against prune ratio, one series per type: does the same fraction of changed
   * weights cost the same whichever way it was reached? Null with fewer than two points.
   */
  private static Chart accuracyVsRatio(List<ConfigMetrics> metrics) throws IOException {
    List<ConfigMetrics> rows =
        metrics.stream()
            .filter(m -> m.target() == null && m.pruneRatio() != null && m.pruneRatio() > 0)
            .sorted((a, b) -> Double.compare(a.pruneRatio(), b.pruneRatio()))
            .toList();
    if (rows.size() < 2) {
      return null;
    }
    double[] all = rows.stream().mapToDouble(ConfigMetrics::pruneRatio).toArray();
    boolean log = spansDecades(all);
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Clean accuracy vs prune ratio")
            .xAxisTitle("prune_ratio" + (log ? " (log scale)" : ""))
            .yAxisTitle("clean_acc")
            .build();
    chart.getStyler().setXAxisLogarithmic(log);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    int c = 0;
    for (String type : rows.stream().map(ConfigMetrics::pruneType).distinct().toList()) {
      List<ConfigMetrics> ofType = rows.stream().filter(m -> type.equals(m.pruneType())).toList();
      line(
          chart,
          type,
          ofType.stream().mapToDouble(ConfigMetrics::pruneRatio).toArray(),
          ofType.stream().mapToDouble(m -> m.cleanAcc().value()).toArray(),
          COLORS[c++ % COLORS.length]);
    }
    return new Chart("acc-vs-ratio", chart.getTitle(), log, svg(chart));
  }

  /**
   * Robustness curves: per attack that records distances, robust accuracy against eps from the
   * run's per-sample distances, one step line per config ({@link RobustnessCurve}). Empty when no
   * attack of the run records distances.
   */
  public static List<Chart> forCurves(List<RobustnessCurve> curves) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Chart> out = new ArrayList<>();
    for (String attack : curves.stream().map(RobustnessCurve::attack).distinct().toList()) {
      XYChart chart =
          new XYChartBuilder()
              .width(WIDTH)
              .height(HEIGHT)
              .title("Robust accuracy vs eps under " + attack)
              .xAxisTitle("eps (smallest adversarial distance found, the attack's norm)")
              .yAxisTitle("robust accuracy")
              .build();
      chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
      chart.getStyler().setChartBackgroundColor(Color.WHITE);
      chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
      int c = 0;
      for (RobustnessCurve curve : curves) {
        if (!curve.attack().equals(attack)) {
          continue;
        }
        // A step function: flat between distances, down at each (both ends of every step drawn).
        float[] d = curve.distances();
        double[] x = new double[2 * d.length + 1];
        double[] y = new double[x.length];
        y[0] = curve.robustAt(0);
        for (int i = 0; i < d.length; i++) {
          x[2 * i + 1] = d[i];
          y[2 * i + 1] = y[2 * i];
          x[2 * i + 2] = d[i];
          y[2 * i + 2] = (double) (curve.correct() - i - 1) / Math.max(curve.total(), 1);
        }
        XYSeries s = chart.addSeries(curve.prune(), x, y);
        s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
        s.setLineColor(COLORS[c % COLORS.length]);
        s.setMarker(SeriesMarkers.NONE);
        c++;
      }
      out.add(new Chart("curve-" + attack, chart.getTitle(), false, svg(chart)));
    }
    return out;
  }

  /**
   * Layer anatomy: per white-box config other than the baseline, the relative change of each probed
   * layer's activations under the run's first attack, against the baseline's (the study's question:
   * where does the attack act?). Empty when the run measured no layers.
   */
  /**
   * The layer axis's tick labels: the probe names, or, when one is longer than {@link
   * #MAX_TICK_LABEL}, every layer's {@code layer_order}. A real model's probe names (a DenseNet's
   * {@code features.denseblock4.denselayer1}) are wider than the space between ticks, and XChart's
   * tick layout then never ends (four names of 25 characters kept it busy for minutes).
   */
  static List<String> tickLabels(List<LayerLine> rows) {
    boolean numbered = rows.stream().anyMatch(l -> l.layer().length() > MAX_TICK_LABEL);
    return rows.stream().map(l -> numbered ? String.valueOf(l.layerOrder()) : l.layer()).toList();
  }

  /** The longest probe name drawn as a tick label; longer ones are numbered instead. */
  static final int MAX_TICK_LABEL = 10;

  public static List<Chart> forLayers(List<LayerLine> layers) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<LayerLine> first =
        layers.stream().filter(l -> l.attackOrder() == 0 && l.target() == null).toList();
    List<LayerLine> baseline = first.stream().filter(l -> "none".equals(l.prune())).toList();
    List<String> configs =
        first.stream()
            .filter(l -> !"none".equals(l.prune()))
            .map(LayerLine::configId)
            .distinct()
            .toList();
    List<Chart> out = new ArrayList<>();
    for (String config : configs) {
      List<LayerLine> rows = first.stream().filter(l -> l.configId().equals(config)).toList();
      List<String> names = tickLabels(rows);
      boolean numbered = !names.equals(rows.stream().map(LayerLine::layer).toList());
      XYChart chart =
          new XYChartBuilder()
              .width(WIDTH)
              .height(HEIGHT)
              .title(
                  "Relative change per layer, "
                      + rows.get(0).prune()
                      + " vs baseline ("
                      + rows.get(0).attack()
                      + ")")
              .xAxisTitle(
                  numbered
                      ? "probed layer (layer_order), input to logits"
                      : "probed layer, input to logits")
              .yAxisTitle("||a_adv - a|| / ||a||")
              .build();
      chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
      chart.getStyler().setChartBackgroundColor(Color.WHITE);
      chart.getStyler().setYAxisMin(0.0);
      chart.setCustomXAxisTickLabelsFormatter(
          x -> {
            int i = (int) Math.round(x);
            return Math.abs(x - i) < 1e-6 && i >= 0 && i < names.size() ? names.get(i) : "";
          });
      double[] x = rows.stream().mapToDouble(LayerLine::layerOrder).toArray();
      if (baseline.size() == rows.size()) {
        line(
            chart,
            "baseline",
            x,
            baseline.stream().mapToDouble(LayerLine::relativeL2).toArray(),
            COLORS[0]);
      }
      line(
          chart,
          rows.get(0).prune(),
          x,
          rows.stream().mapToDouble(LayerLine::relativeL2).toArray(),
          COLORS[1]);
      out.add(new Chart("layers-" + config, chart.getTitle(), false, svg(chart)));
    }
    return out;
  }

  /** True when the positive values span at least one decade, so a log axis reads better. */
  static boolean spansDecades(double[] x) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double v : x) {
      if (v <= 0) {
        return false;
      }
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return x.length > 1 && max / min >= 10;
  }

  private static XYChart chart(String title, String type, String yTitle, boolean logX) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(type + " (prune value" + (logX ? ", log scale)" : ")"))
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return chart;
  }

  /** The value line with its [lower, upper] interval as a translucent polygon behind it. */
  private static void band(
      XYChart chart,
      String name,
      double[] x,
      List<ConfigMetrics> rows,
      Function<ConfigMetrics, ConfigMetrics.Interval> rate,
      Color color) {
    int n = x.length;
    double[] px = new double[2 * n];
    double[] py = new double[2 * n];
    for (int i = 0; i < n; i++) {
      ConfigMetrics.Interval iv = rate.apply(rows.get(i));
      px[i] = x[i];
      py[i] = iv.lower();
      px[2 * n - 1 - i] = x[i];
      py[2 * n - 1 - i] = iv.upper();
    }
    XYSeries area = chart.addSeries(name + " 95% interval", px, py);
    area.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
    area.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 50));
    area.setLineColor(new Color(0, 0, 0, 0));
    area.setMarker(SeriesMarkers.NONE);
    area.setShowInLegend(false);
    line(chart, name, x, rows.stream().mapToDouble(m -> rate.apply(m).value()).toArray(), color);
  }

  private static void line(XYChart chart, String name, double[] x, double[] y, Color color) {
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
    s.setLineColor(color);
    s.setMarkerColor(color);
    s.setMarker(SeriesMarkers.CIRCLE);
  }

  private static double[] values(List<ConfigMetrics> rows, Function<ConfigMetrics, Double> f) {
    return rows.stream().mapToDouble(m -> f.apply(m) == null ? Double.NaN : f.apply(m)).toArray();
  }

  static String svg(XYChart chart) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    VectorGraphicsEncoder.saveVectorGraphic(chart, bytes, VectorGraphicsFormat.SVG);
    String s = bytes.toString(StandardCharsets.UTF_8);
    int start = s.indexOf("<svg");
    if (start < 0) {
      throw new IllegalStateException("XChart produced no <svg> element for " + chart.getTitle());
    }
    return s.substring(start).trim();
  }
}
