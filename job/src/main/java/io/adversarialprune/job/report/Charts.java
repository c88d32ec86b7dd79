package io.adversarialprune.job.report;

import io.adversarialprune.job.report.ConfigMetrics.Rate;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.VectorGraphicsEncoder.VectorGraphicsFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn by XChart and encoded as SVG text for inlining. Stateless; AWT runs
 * headless.
 *
 * <p>A chart is drawn only where it carries information: every chart has at least two distinct x
 * values, the prune-ratio and perturbation-norm charts leave out a line that is constant (R's ratio
 * is always 1, A's always 0, a PGD's L-infinity norm its eps), and no colour repeats within a
 * chart. Tick labels are rounded to three significant digits ({@link #tick}).
 */
public final class Charts {
  static final int WIDTH = 640;
  static final int HEIGHT = 380;

  /** Tableau's ten categorical colours; a chart with more series gets further distinct hues. */
  private static final int[] PALETTE = {
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
    0x17becf
  };

  /** Attack types whose per-sample distances are minimised for every sample. */
  static final java.util.Set<String> MINIMISING = java.util.Set.of("fab-t");

  private Charts() {}

  /**
   * A titled chart as SVG markup ({@code <svg ...>...</svg>}, no XML prolog).
   *
   * @param points the distinct x values its lines are drawn through
   * @param colors its legend's colours, {@code #rrggbb}, in legend order
   * @param ticks the axis tick labels XChart asked for, as drawn
   * @param upperBound whether its lines are only upper bounds (robustness curves of an attack that
   *     does not minimise every distance)
   */
  public record Chart(
      String id,
      String title,
      boolean logX,
      String svg,
      int points,
      List<String> colors,
      List<String> ticks,
      boolean upperBound) {}

  /**
   * For each single-step prune type with at least two values: rates with 95% bands, prune ratio and
   * perturbation norms against the prune value, and clean accuracy against prune ratio across
   * types. With one attack, its rates in one chart; with several, remnant accuracy and strict ASR
   * per attack (the worst case included) and each norm per attack.
   */
  public static List<Chart> forRun(List<ConfigMetrics> all) throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<String> attacks =
        all.stream()
            .sorted(Comparator.comparingInt(ConfigMetrics::attackOrder))
            .map(ConfigMetrics::attack)
            .distinct()
            .toList();
    List<Chart> out = new ArrayList<>();
    if (attacks.isEmpty()) {
      return out;
    }
    boolean several = attacks.size() > 1;
    for (String type : chartedTypes(all)) {
      Map<String, List<ConfigMetrics>> byAttack = new LinkedHashMap<>();
      for (String attack : attacks) {
        byAttack.put(attack, ofType(all, type, attack));
      }
      List<ConfigMetrics> rows = byAttack.get(attacks.get(0));
      double[] x = rows.stream().mapToDouble(ConfigMetrics::pruneValue).toArray();
      boolean log = spansDecades(x);

      if (!several) {
        Plot rates = plot("Accuracy and strict ASR vs " + type, xTitle(type, log), "rate", log);
        rates.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        for (Rate rate : List.of(Rate.CLEAN_ACC, Rate.REMNANT_ACC, Rate.STRICT_ASR)) {
          rates.band(rate.column, x, rows, rate::of);
        }
        out.add(rates.done("rates-" + type));
      } else {
        Plot acc =
            plot(
                "Clean and remnant accuracy vs " + type + ", per attack",
                xTitle(type, log),
                "accuracy",
                log);
        acc.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        acc.band("clean_acc", x, rows, Rate.CLEAN_ACC::of);
        byAttack.forEach((a, r) -> acc.band("remnant, " + a, x, r, Rate.REMNANT_ACC::of));
        out.add(acc.done("acc-" + type));
        Plot asr =
            plot("Strict ASR vs " + type + ", per attack", xTitle(type, log), "strict_asr", log);
        asr.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        byAttack.forEach((a, r) -> asr.band(a, x, r, Rate.STRICT_ASR::of));
        out.add(asr.done("asr-" + type));
      }

      Plot ratio = plot("Prune ratio vs " + type, xTitle(type, log), "prune_ratio", log);
      ratio.lineUnlessConstant("prune_ratio", x, values(rows, ConfigMetrics::pruneRatio));
      ratio.doneIfDrawn("ratio-" + type).ifPresent(out::add);

      if (!several) {
        Plot norms = plot("Perturbation norms vs " + type, xTitle(type, log), "norm", log);
        norms.lineUnlessConstant("mean_linf", x, values(rows, ConfigMetrics::meanLinf));
        norms.lineUnlessConstant("mean_l2", x, values(rows, ConfigMetrics::meanL2));
        norms.doneIfDrawn("norms-" + type).ifPresent(out::add);
      } else {
        for (String norm : List.of("linf", "l2")) {
          Function<ConfigMetrics, Double> f =
              norm.equals("linf") ? ConfigMetrics::meanLinf : ConfigMetrics::meanL2;
          Plot p =
              plot(
                  "Mean "
                      + (norm.equals("linf") ? "L∞" : "L2")
                      + " perturbation vs "
                      + type
                      + ", per attack",
                  xTitle(type, log),
                  "mean_" + norm,
                  log);
          byAttack.forEach((a, r) -> p.lineUnlessConstant(a, x, values(r, f)));
          p.doneIfDrawn(norm + "-" + type).ifPresent(out::add);
        }
      }
    }
    Chart byRatio = accuracyVsRatio(all, attacks.get(0));
    if (byRatio != null) {
      out.add(byRatio);
    }
    return out;
  }

  /** The single-step prune types of the run with at least two values: those charted. */
  static List<String> chartedTypes(List<ConfigMetrics> all) {
    return types(all).stream().filter(t -> values(all, t) > 1).toList();
  }

  /** The single-step prune types with one value only: no chart can show them as a line. */
  static List<String> singleValueTypes(List<ConfigMetrics> all) {
    return types(all).stream().filter(t -> values(all, t) == 1).toList();
  }

  private static List<String> types(List<ConfigMetrics> all) {
    return all.stream()
        // the baseline (value 0) is no type of its own to chart
        .filter(
            m ->
                m.target() == null
                    && m.pruneValue() != null
                    && !ConfigMetrics.isBaseline(m.prune()))
        .map(ConfigMetrics::pruneType)
        .distinct()
        .toList();
  }

  private static long values(List<ConfigMetrics> all, String type) {
    return all.stream()
        .filter(m -> m.target() == null && m.pruneValue() != null && type.equals(m.pruneType()))
        .map(ConfigMetrics::pruneValue)
        .distinct()
        .count();
  }

  private static List<ConfigMetrics> ofType(List<ConfigMetrics> all, String type, String attack) {
    return all.stream()
        .filter(m -> m.target() == null && m.pruneValue() != null)
        .filter(m -> type.equals(m.pruneType()) && attack.equals(m.attack()))
        .sorted(Comparator.comparingDouble(ConfigMetrics::pruneValue))
        .toList();
  }

  private static String xTitle(String type, boolean logX) {
    return type + " (prune value" + (logX ? ", log scale)" : ")");
  }

  /**
   * Clean accuracy against prune ratio, one series per type whose ratio varies: does the same
   * fraction of changed weights cost the same whichever way it was reached? Null with fewer than
   * two points.
   */
  private static Chart accuracyVsRatio(List<ConfigMetrics> metrics, String attack)
      throws IOException {
    List<ConfigMetrics> rows =
        metrics.stream()
            .filter(m -> attack.equals(m.attack()))
            .filter(m -> m.target() == null && m.pruneRatio() != null && m.pruneRatio() > 0)
            .sorted((a, b) -> Double.compare(a.pruneRatio(), b.pruneRatio()))
            .toList();
    // a type whose ratio never changes (R: 1) would be a vertical line: it says nothing here
    List<String> types =
        rows.stream()
            .map(ConfigMetrics::pruneType)
            .distinct()
            .filter(
                t ->
                    rows.stream()
                            .filter(m -> t.equals(m.pruneType()))
                            .map(ConfigMetrics::pruneRatio)
                            .distinct()
                            .count()
                        > 1)
            .toList();
    double[] all =
        rows.stream()
            .filter(m -> types.contains(m.pruneType()))
            .mapToDouble(ConfigMetrics::pruneRatio)
            .toArray();
    if (all.length < 2) {
      return null;
    }
    boolean log = spansDecades(all);
    Plot p =
        plot(
            "Clean accuracy vs prune ratio",
            "prune_ratio" + (log ? " (log scale)" : ""),
            "clean_acc",
            log);
    p.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
    for (String type : types) {
      List<ConfigMetrics> ofType = rows.stream().filter(m -> type.equals(m.pruneType())).toList();
      p.line(
          type,
          ofType.stream().mapToDouble(ConfigMetrics::pruneRatio).toArray(),
          ofType.stream().mapToDouble(m -> m.cleanAcc().value()).toArray());
    }
    return p.done("acc-vs-ratio");
  }

  /**
   * Robustness curves: per attack that records distances, robust accuracy against eps from the
   * run's per-sample distances, one step line per config ({@link RobustnessCurve}). An attack whose
   * distances are minimised for every sample (FAB-T) draws solid lines; one whose members stop at
   * the first adversarial inside eps (autoattack: a sample APGD broke carries APGD's distance, near
   * eps, not a minimal one) draws dashed lines titled as the upper bound they are. Empty when no
   * attack of the run records distances.
   *
   * @param metrics the run's metrics, for each attack's type
   */
  public static List<Chart> forCurves(List<RobustnessCurve> curves, List<ConfigMetrics> metrics)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    List<Chart> out = new ArrayList<>();
    for (String attack : curves.stream().map(RobustnessCurve::attack).distinct().toList()) {
      boolean minimised =
          metrics.stream()
              .filter(m -> attack.equals(m.attack()))
              .anyMatch(m -> MINIMISING.contains(m.attackType()));
      Plot p =
          plot(
              minimised
                  ? "Robust accuracy vs eps under " + attack
                  : "Upper bound on robust accuracy vs eps under "
                      + attack
                      + " (distances not minimised)",
              minimised
                  ? "eps (smallest adversarial distance found, the attack's norm)"
                  : "eps (distance of the adversarial found, not minimised; the attack's norm)",
              minimised ? "robust accuracy" : "robust accuracy, upper bound",
              false);
      p.chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
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
        XYSeries s = p.series(curve.prune(), x, y);
        s.setMarker(SeriesMarkers.NONE);
        if (!minimised) {
          s.setLineStyle(SeriesLines.DASH_DASH);
        }
      }
      out.add(p.done("curve-" + attack, !minimised));
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
    List<LayerLine> baseline =
        first.stream().filter(l -> ConfigMetrics.isBaseline(l.prune())).toList();
    List<String> configs =
        first.stream()
            .filter(l -> !ConfigMetrics.isBaseline(l.prune()))
            .map(LayerLine::configId)
            .distinct()
            .toList();
    List<Chart> out = new ArrayList<>();
    for (String config : configs) {
      List<LayerLine> rows = first.stream().filter(l -> l.configId().equals(config)).toList();
      List<String> names = tickLabels(rows);
      boolean numbered = !names.equals(rows.stream().map(LayerLine::layer).toList());
      Plot p =
          plot(
              "Relative change per layer, "
                  + rows.get(0).prune()
                  + " vs baseline ("
                  + rows.get(0).attack()
                  + ")",
              numbered
                  ? "probed layer (layer_order), input to logits"
                  : "probed layer, input to logits",
              "||a_adv - a|| / ||a||",
              false);
      p.chart.getStyler().setYAxisMin(0.0);
      p.chart
          .getStyler()
          .setXAxisTickLabelsFormattingFunction(
              x -> {
                int i = (int) Math.round(x);
                return Math.abs(x - i) < 1e-6 && i >= 0 && i < names.size() ? names.get(i) : "";
              });
      double[] x = rows.stream().mapToDouble(LayerLine::layerOrder).toArray();
      if (baseline.size() == rows.size()) {
        p.line("baseline", x, baseline.stream().mapToDouble(LayerLine::relativeL2).toArray());
      }
      p.line(rows.get(0).prune(), x, rows.stream().mapToDouble(LayerLine::relativeL2).toArray());
      out.add(p.done("layers-" + config));
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

  /** A tick label: {@code v} to three significant digits, plain, without trailing zeros. */
  static String tick(double v) {
    if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
      return v == 0 ? "0" : String.valueOf(v);
    }
    return new BigDecimal(v).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  /** The {@code i}th colour of a chart: distinct from every other index's. */
  static Color color(int i) {
    if (i < PALETTE.length) {
      return new Color(PALETTE[i]);
    }
    // beyond the palette: golden-angle hues, distinct from each other and from its ten
    float hue = (float) (((i - PALETTE.length) * 0.381966) % 1.0);
    return Color.getHSBColor(hue, 0.55f + 0.35f * ((i / 2) % 2), 0.55f + 0.3f * (i % 2));
  }

  private static Plot plot(String title, String xTitle, String yTitle, boolean logX) {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setXAxisLogarithmic(logX);
    chart.getStyler().setLegendPosition(LegendPosition.OutsideS);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    return new Plot(chart, logX);
  }

  /**
   * One chart being drawn: hands each series the next colour of {@link #color}, rounds tick labels,
   * and remembers what {@link Chart} exposes (x values, legend colours, tick labels).
   */
  private static final class Plot {
    final XYChart chart;
    final boolean logX;
    final java.util.Set<Double> xs = new java.util.TreeSet<>();
    final List<String> colors = new ArrayList<>();
    final java.util.Set<String> ticks = new java.util.LinkedHashSet<>();

    Plot(XYChart chart, boolean logX) {
      this.chart = chart;
      this.logX = logX;
      Function<Double, String> rounded =
          v -> {
            String t = tick(v);
            ticks.add(t);
            return t;
          };
      chart.getStyler().setXAxisTickLabelsFormattingFunction(rounded);
      chart.getStyler().setYAxisTickLabelsFormattingFunction(rounded);
    }

    /** A solid line in the next colour, without markers; the caller styles it further. */
    XYSeries series(String name, double[] x, double[] y) {
      Color c = color(colors.size());
      colors.add(String.format(java.util.Locale.ROOT, "#%06x", c.getRGB() & 0xffffff));
      for (double v : x) {
        xs.add(v);
      }
      XYSeries s = chart.addSeries(name, x, y);
      s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Line);
      s.setLineColor(c);
      s.setMarkerColor(c);
      return s;
    }

    /** A line with markers at its points. */
    void line(String name, double[] x, double[] y) {
      series(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    /** {@link #line} unless every value is the same or missing: a constant says nothing. */
    void lineUnlessConstant(String name, double[] x, double[] y) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : y) {
        if (!Double.isNaN(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      if (max - min > 1e-9 * Math.max(1, Math.abs(max))) {
        line(name, x, y);
      }
    }

    /** The value line with its [lower, upper] interval as a translucent polygon behind it. */
    void band(
        String name,
        double[] x,
        List<ConfigMetrics> rows,
        Function<ConfigMetrics, ConfigMetrics.Interval> rate) {
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
      Color color = color(colors.size());
      XYSeries area = chart.addSeries(name + " 95% interval", px, py);
      area.setXYSeriesRenderStyle(XYSeriesRenderStyle.PolygonArea);
      area.setFillColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 50));
      area.setLineColor(new Color(0, 0, 0, 0));
      area.setMarker(SeriesMarkers.NONE);
      area.setShowInLegend(false);
      line(name, x, rows.stream().mapToDouble(m -> rate.apply(m).value()).toArray());
    }

    Chart done(String id) throws IOException {
      return done(id, false);
    }

    Chart done(String id, boolean upperBound) throws IOException {
      String svg = svg(chart); // draws: the tick labels are known after it
      return new Chart(
          id,
          chart.getTitle(),
          logX,
          svg,
          xs.size(),
          List.copyOf(colors),
          List.copyOf(ticks),
          upperBound);
    }

    /** The chart, unless every line was left out. */
    java.util.Optional<Chart> doneIfDrawn(String id) throws IOException {
      return colors.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(done(id));
    }
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
