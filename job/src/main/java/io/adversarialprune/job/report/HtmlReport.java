package io.adversarialprune.job.report;

import io.adversarialprune.job.report.ConfigMetrics.Interval;
import io.adversarialprune.job.report.ConfigMetrics.Rate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders {@link ReportData} as one self-contained HTML page: inline CSS and inline SVG charts, no
 * scripts, fonts or other URLs, so it opens offline and can be mailed or archived as one file.
 *
 * <p>Night over night, it shows the {@link RunComparison} that {@code compare} prints: a rate is
 * flagged when the two-proportion test finds its change significant.
 */
public final class HtmlReport {
  private static final String CSS =
      "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}"
          + "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
          + "th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}th{font-size:90%}"
          + "tr.failed td{background:#fde0dc}"
          + "th{background:#f2f2f2}td.l,th.l{text-align:left}"
          // a config or attack name reads as one token: "pgd-linf", never "pgd-" over "linf"
          + "#verdict td.l,#summary td.l,#layers td.l,#compare td.l{white-space:nowrap}"
          + ".wide{overflow-x:auto}"
          + ".notes{background:#fff4e0;border:1px solid #e0a040;padding:0.5em 1em}"
          + ".flag{background:#fde0e0;font-weight:bold}tr.worst td{font-weight:bold}"
          + "#verdict{border:2px solid #888;padding:0 1em;margin-bottom:1.5em}"
          + "#verdict table{margin-right:2em}"
          + "td.wc,th.wc{background:#eef2fb;font-weight:bold}"
          + ".best,td.best{background:#c9efc9;font-weight:bold;outline:2px solid #3a9a3a}"
          + "td.na{color:#999}"
          // two charts per row at the page's width: each SVG scales to its column
          + ".charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}"
          + "figure.chart{margin:0;border:1px solid #ddd}"
          + "figure.chart svg{display:block;width:100%;height:auto}"
          + "figcaption{font-size:small;color:#666;padding:2px 6px}"
          + "small{color:#666}";

  private HtmlReport() {}

  /** The page without robustness curves. */
  public static String render(
      ReportData data, List<Charts.Chart> charts, List<Charts.Chart> layerCharts) {
    return render(data, charts, layerCharts, List.of());
  }

  /**
   * The page.
   *
   * @param charts the run's charts ({@link Charts#forRun})
   * @param layerCharts its layer anatomy charts ({@link Charts#forLayers}); empty without anatomy
   * @param curveCharts its robustness curves ({@link Charts#forCurves}); empty when no attack of
   *     the run records distances
   */
  public static String render(
      ReportData data,
      List<Charts.Chart> charts,
      List<Charts.Chart> layerCharts,
      List<Charts.Chart> curveCharts) {
    ReportData.Run run = data.run();
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>adversarial-prune report: ")
        .append(esc(data.sweep()))
        .append(" / ")
        .append(esc(run.runId()))
        .append("</title><style>")
        .append(CSS)
        .append("</style></head><body>\n");
    h.append("<h1>adversarial-prune: sweep ")
        .append(esc(data.sweep()))
        .append(", run ")
        .append(esc(run.runId()))
        .append("</h1>\n");
    h.append("<p>Results root <code>").append(esc(data.root())).append("</code>. ");
    runLine(h, "Run", run);
    if (data.previous() != null) {
      runLine(h, " Compared to", data.previous());
    }
    h.append("</p>\n");
    if (!data.notes().isEmpty()) {
      h.append("<div class=\"notes\" id=\"notes\"><strong>Missing or incomplete</strong><ul>");
      for (String n : data.notes()) {
        h.append("<li>").append(esc(n)).append("</li>");
      }
      h.append("</ul></div>\n");
    }

    Verdict.render(h, data);

    h.append("<h2>Summary</h2>\n");
    if (run.metrics().isEmpty()) {
      h.append("<p id=\"summary-missing\">No metrics for run ")
          .append(esc(run.runId()))
          .append(": nothing to tabulate.</p>\n");
    } else {
      summary(h, run.metrics());
    }

    h.append("<h2>Engine checks</h2>\n");
    engineChecks(h, run);

    h.append(
        "<h2>Charts</h2>\n"
            + "<p><small>Bands: 95% Wilson intervals over all images of all seeds (the metrics"
            + " table's <code>_lower</code>/<code>_upper</code> columns).</small></p>\n");
    if (charts.isEmpty()) {
      h.append("<p id=\"charts-missing\">No E, S or R configs with metrics in run ")
          .append(esc(run.runId()))
          .append(": no charts.</p>\n");
    } else {
      List<String> single = Charts.singleValueTypes(run.metrics());
      if (!single.isEmpty()) {
        h.append("<p id=\"charts-single\"><small>No line for ")
            .append(esc(String.join(", ", single)))
            .append(": one value each in this run (their figures are in the tables above).")
            .append("</small></p>\n");
      }
      figures(h, charts);
    }

    h.append("<h2>Robustness curves</h2>\n");
    if (curveCharts.isEmpty()) {
      h.append("<p id=\"curves-missing\">No attack of run ")
          .append(esc(run.runId()))
          .append(" records per-sample distances (fab-t, autoattack): no robustness curve.</p>\n");
    } else {
      h.append(
          "<p><small>Per config, robust accuracy at eps: the samples classified correctly whose"
              + " smallest adversarial perturbation found is larger than eps (or none was found),"
              + " over all images of all seeds. Solid lines: an attack that minimises every"
              + " sample's distance (FAB-T); still an upper bound, as a smaller adversarial may"
              + " exist. <strong>Dashed lines, titled \"upper bound\"</strong>: an attack that"
              + " does not (autoattack: a sample an APGD member broke carries that member's"
              + " distance, near the attack's eps, not a minimised one), so a curve flat up to"
              + " the eps and then down does <em>not</em> say robust up to that eps; only its"
              + " value at the attack's eps is the attack's remnant accuracy (docs/ATTACKS.md,"
              + " \"FAB-T\"; docs/RESULTS.md, \"The report\").</small></p>\n");
      figures(h, curveCharts);
    }

    h.append("<h2>Layer anatomy</h2>\n");
    layers(h, run, data.layers(), layerCharts);

    h.append("<h2>Night over night</h2>\n");
    if (data.previous() == null) {
      h.append("<p id=\"compare-missing\">No earlier run of this sweep to compare with.</p>\n");
    } else {
      compare(h, data.comparison());
    }
    h.append("</body></html>\n");
    return h.toString();
  }

  private static void runLine(StringBuilder h, String what, ReportData.Run r) {
    h.append(what)
        .append(" <strong>")
        .append(esc(r.runId()))
        .append("</strong>: ")
        .append(esc(r.status()))
        .append(", started ")
        .append(esc(r.startedAt()))
        .append(r.endedAt() == null ? ", not ended" : ", ended " + esc(r.endedAt()))
        .append(r.device() == null ? "" : ", on " + esc(r.device()))
        .append(", ")
        .append(r.committedUnits())
        .append(r.expectedUnits() == null ? "" : " of " + r.expectedUnits())
        .append(" units.");
  }

  /** The study's table with its column labels put right (see {@code SummaryTable}). */
  private static void engineChecks(StringBuilder h, ReportData.Run run) {
    if (run.checks().isEmpty()) {
      h.append("<p id=\"checks-missing\">No engine checks recorded for run ")
          .append(esc(run.runId()))
          .append(
              ": every unit was computed by attempts killed before they recorded their checks (a"
                  + " run records them once its units are computed, before it aggregates), the"
                  + " run was written before checks existed, or"
                  + " <code>sweep.engine.check.mode = off</code>.</p>\n");
      return;
    }
    h.append(
        "<p><small>Before attacking, each executor compared the autograd input gradient with"
            + " central differences of the forward pass, and logits across memory layouts, on its"
            + " own device and batch sizes. Relative errors; the gradient check is gated on the rms"
            + " figure.</small></p>\n");
    h.append(
        "<table id=\"engine-checks\"><thead><tr><th class=\"l\">executor</th>"
            + "<th class=\"l\">device</th><th class=\"l\">oneDNN ISA cap</th><th>layout</th>"
            + "<th>batch</th><th>threads</th><th>gradient rms</th><th>median</th><th>max</th>"
            + "<th>logits</th><th class=\"l\">result</th></tr></thead><tbody>\n");
    for (EngineCheckLine c : run.checks()) {
      h.append("<tr class=\"")
          .append(c.passed() ? "passed" : "failed")
          .append("\">")
          .append("<td class=\"l\">")
          .append(esc(c.executor()))
          .append("</td>")
          .append("<td class=\"l\">")
          .append(esc(c.device()))
          .append(", ")
          .append(esc(c.platform()))
          .append("</td>")
          .append("<td class=\"l\">")
          .append(esc(c.isaCap()))
          .append("</td>")
          .append("<td>")
          .append(esc(c.memoryFormat()))
          .append("</td>")
          .append("<td>")
          .append(c.batchSize())
          .append("</td>")
          .append("<td>")
          .append(c.threads())
          .append("</td>")
          .append("<td>")
          .append(sci(c.rmsError()))
          .append("</td>")
          .append("<td>")
          .append(sci(c.medianError()))
          .append("</td>")
          .append("<td>")
          .append(sci(c.maxError()))
          .append("</td>")
          .append("<td>")
          .append(sci(c.logitsError()))
          .append("</td>")
          .append("<td class=\"l\">")
          .append(c.passed() ? "passed" : "FAILED (" + esc(c.policy()) + "): " + esc(c.problem()))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table>\n");
  }

  private static String sci(double v) {
    return String.format(java.util.Locale.ROOT, "%.2g", v);
  }

  private static void figures(StringBuilder h, List<Charts.Chart> charts) {
    h.append("<div class=\"charts\">\n");
    for (Charts.Chart c : charts) {
      // XChart draws text as outlines: the caption keeps the title searchable, and the data
      // attributes say what was drawn (the browser test reads them)
      h.append("<figure class=\"chart\" id=\"chart-")
          .append(esc(c.id()))
          .append("\" data-x-scale=\"")
          .append(c.logX() ? "log" : "linear")
          .append("\" data-points=\"")
          .append(c.points())
          .append("\" data-colors=\"")
          .append(esc(String.join(" ", c.colors())))
          .append("\" data-ticks=\"")
          .append(esc(String.join(" ", c.ticks())))
          .append(c.upperBound() ? "\" data-bound=\"upper" : "")
          .append("\">")
          .append(c.svg())
          .append("<figcaption>")
          .append(esc(c.title()))
          .append(c.logX() ? " (log x)" : "")
          .append("</figcaption></figure>\n");
    }
    h.append("</div>\n");
  }

  /**
   * Per config and attack, the relative change ||a_adv - a|| / ||a|| of each probed layer, input to
   * logits, and the charts of the first attack against the baseline.
   */
  private static void layers(
      StringBuilder h, ReportData.Run run, List<LayerLine> layers, List<Charts.Chart> charts) {
    if (layers.isEmpty()) {
      h.append("<p id=\"layers-missing\">Run ")
          .append(esc(run.runId()))
          .append(" did not measure layer anatomy (<code>sweep.anatomy = on</code> does, on a")
          .append(" model exported with probes).</p>\n");
      return;
    }
    List<String> names = layers.stream().map(LayerLine::layer).distinct().toList();
    h.append("<p><small>Relative change of each probed layer's activations under attack,")
        .append(" ||a<sub>adv</sub> &minus; a|| / ||a|| over all images (the <code>layers</code>")
        .append(" table; also there: means, stds, the fraction of elements changed, max and")
        .append(" top-1% tail ratios).</small></p>\n");
    h.append("<table id=\"layers\"><thead><tr><th class=\"l\">Model</th>")
        .append("<th class=\"l\">Attack</th>");
    for (String n : names) {
      h.append("<th>").append(esc(n)).append("</th>");
    }
    h.append("</tr></thead><tbody>\n");
    Map<String, List<LayerLine>> rows = new LinkedHashMap<>();
    for (LayerLine l : layers) {
      rows.computeIfAbsent(l.configId() + "\u0000" + l.attack(), k -> new java.util.ArrayList<>())
          .add(l);
    }
    for (List<LayerLine> row : rows.values()) {
      LayerLine first = row.get(0);
      h.append("<tr class=\"layer\"><td class=\"l\">")
          .append(esc(first.target() != null ? "transfer " + first.target() : first.prune()))
          .append("</td><td class=\"l\">")
          .append(esc(first.attack()))
          .append("</td>");
      for (String n : names) {
        LayerLine cell = row.stream().filter(l -> l.layer().equals(n)).findFirst().orElse(null);
        h.append("<td>")
            .append(cell == null ? "" : String.format(Locale.ROOT, "%.4f", cell.relativeL2()))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    h.append("</tbody></table>\n");
    figures(h, charts);
  }

  private static void summary(StringBuilder h, List<ConfigMetrics> rows) {
    h.append("<div class=\"wide\"><table id=\"summary\"><thead><tr>")
        .append("<th class=\"l\">Model</th><th class=\"l\">Attack</th>")
        .append("<th>prune_ratio</th><th>clean_acc</th><th>remnant_acc</th>")
        .append("<th>pred_change_rate<br><small>changed / total</small></th>")
        .append("<th>strict_asr<br><small>attacked / correct</small></th>")
        .append("<th>baseline_adv_acc<br><small>on the unpruned model's adversarial images")
        .append("</small></th><th>seeds</th><th>images</th><th>mean_linf</th><th>mean_l2</th>")
        .append("</tr></thead><tbody>\n");
    for (ConfigMetrics m : rows) {
      h.append(m.worstCase() ? "<tr class=\"worst\">" : "<tr>")
          .append("<td class=\"l\">")
          .append(esc(m.label()))
          .append("</td><td class=\"l\">")
          .append(esc(m.attack()))
          .append("</td><td>")
          .append(m.pruneRatio() == null ? "" : pct(m.pruneRatio(), 4))
          .append("</td>");
      for (Rate r : Rate.values()) {
        Interval iv = r.of(m);
        h.append("<td title=\"95% interval ")
            .append(pct(iv.lower(), 2))
            .append(" to ")
            .append(pct(iv.upper(), 2))
            .append("\">")
            .append(pct(iv.value(), 2))
            .append("</td>");
      }
      Interval t = m.baselineAdvAcc();
      if (t == null) {
        h.append("<td></td>");
      } else {
        boolean suspect = Boolean.TRUE.equals(m.maskingSuspect());
        h.append(
                suspect
                    ? "<td class=\"flag masking\" title=\"likely gradient masking:"
                    : "<td title=\"")
            .append(" 95% interval ")
            .append(pct(t.lower(), 2))
            .append(" to ")
            .append(pct(t.upper(), 2))
            .append("\">")
            .append(pct(t.value(), 2))
            .append("</td>");
      }
      h.append("<td>")
          .append(m.seeds())
          .append("</td><td>")
          .append(m.total())
          .append("</td><td>")
          .append(num(m.meanLinf()))
          .append("</td><td>")
          .append(num(m.meanL2()))
          .append("</td></tr>\n");
    }
    h.append("</tbody></table></div>\n");
  }

  /**
   * The comparison {@code compare} prints (the same {@link RunComparison}): each rate old, new and
   * the change in points, flagged where the two-proportion test finds it significant.
   */
  private static void compare(StringBuilder h, RunComparison c) {
    String now = c.after().runId();
    String before = c.before().runId();
    h.append("<p>Run <strong>")
        .append(esc(now))
        .append("</strong> minus run <strong>")
        .append(esc(before))
        .append("</strong>, in percentage points. <span class=\"flag\">Flagged</span>: a change")
        .append(" the two-sided two-proportion z-test finds significant at level ")
        .append(c.alpha())
        .append(" (what <code>adversarial-prune compare</code> lists).</p>\n");
    if (c.sweepChanged()) {
      h.append("<p class=\"notes\" id=\"sweep-changed\">The two runs ran different sweep configs")
          .append(" (config hash changed): their rates measure different things.</p>\n");
    }
    h.append("<table id=\"compare\"><thead><tr><th class=\"l\">Model</th>");
    for (Rate r : Rate.values()) {
      h.append("<th>").append(r.column).append("<br><small>old &rarr; new (&Delta;)</small></th>");
    }
    h.append("</tr></thead><tbody>\n");
    for (RunComparison.Line line : c.lines()) {
      h.append("<tr><td class=\"l\">").append(esc(line.name())).append("</td>");
      if (line.presence() != RunComparison.Presence.BOTH) {
        boolean appeared = line.presence() == RunComparison.Presence.APPEARED;
        h.append("<td class=\"l\" colspan=\"4\">")
            .append(appeared ? "not in run " : "missing from run ")
            .append(esc(appeared ? before : now))
            .append("</td></tr>\n");
        continue;
      }
      for (RunComparison.Change ch : line.changes()) {
        h.append(ch.significant() ? "<td class=\"flag\"" : "<td")
            .append(" title=\"p = ")
            .append(
                Double.isNaN(ch.pValue()) ? "n/a" : String.format(Locale.ROOT, "%.3g", ch.pValue()))
            .append("\">")
            .append(pct(ch.before().value(), 2))
            .append(" &rarr; ")
            .append(pct(ch.after().value(), 2))
            .append(
                Double.isNaN(ch.deltaPoints())
                    ? ""
                    : String.format(Locale.ROOT, " (%+.2f)", ch.deltaPoints()))
            .append("</td>");
      }
      h.append("</tr>\n");
    }
    int flagged = c.significant().size();
    h.append("</tbody></table>\n<p id=\"compare-summary\">")
        .append(flagged)
        .append(flagged == 1 ? " change" : " changes")
        .append(" flagged; ")
        .append(c.lines(RunComparison.Presence.APPEARED).size())
        .append(" rows only in ")
        .append(esc(now))
        .append(", ")
        .append(c.lines(RunComparison.Presence.DISAPPEARED).size())
        .append(" only in ")
        .append(esc(before))
        .append(".</p>\n");
  }

  /** A rate in percent; {@code n/a} when undefined (stored as null, e.g. strict_asr of 0/0). */
  static String pct(double v, int digits) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + digits + "f%%", 100 * v);
  }

  private static String num(Double v) {
    return v == null ? "" : String.format(Locale.ROOT, "%.4g", v);
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
