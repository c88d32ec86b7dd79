package io.adversarialprune.job.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.adversarialprune.job.report.ConfigMetrics.Interval;
import io.adversarialprune.job.report.Gate.Crossing;
import io.adversarialprune.job.report.RunComparison.Change;
import io.adversarialprune.job.report.RunComparison.Line;
import io.adversarialprune.job.report.RunComparison.Presence;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code compare}'s output: an aligned table for people, CSV for spreadsheets, JSON for alerting
 * tools. Each lists the significant changes (every change with {@code all}), the (config, attack)
 * rows that appeared or disappeared, and the thresholds crossed. Stateless.
 */
public final class ComparisonOutput {
  /** The output formats. */
  public enum Format {
    TABLE,
    CSV,
    JSON
  }

  /** CSV's columns, one line per change and per appeared or disappeared row. */
  static final List<String> CSV_COLUMNS =
      List.of(
          "sweep",
          "run_id",
          "baseline_run_id",
          "config_id",
          "model",
          "attack",
          "attack_label",
          "presence",
          "metric",
          "before",
          "before_lower",
          "before_upper",
          "after",
          "after_lower",
          "after_upper",
          "delta_pt",
          "p_value",
          "significant",
          "crossed");

  private ComparisonOutput() {}

  /** {@code c} and what {@code crossings} of {@code gate} it has, in {@code format}. */
  public static String render(
      RunComparison c, Gate gate, List<Crossing> crossings, Format format, boolean all) {
    return switch (format) {
      case TABLE -> table(c, gate, crossings, all);
      case CSV -> csv(c, crossings, all);
      case JSON -> json(c, gate, crossings, all);
    };
  }

  /** The one-line verdict: how many changes are significant, and what the gate says. */
  public static String summary(RunComparison c, Gate gate, List<Crossing> crossings) {
    StringBuilder s = new StringBuilder();
    int rates = c.lines(Presence.BOTH).size() * ConfigMetrics.Rate.values().length;
    s.append(c.significant().size())
        .append(" of ")
        .append(rates)
        .append(" rates changed significantly; ")
        .append(c.lines(Presence.APPEARED).size())
        .append(" rows appeared, ")
        .append(c.lines(Presence.DISAPPEARED).size())
        .append(" disappeared.");
    if (c.sweepChanged()) {
      s.append(" The sweep's config changed (hash ")
          .append(shortHash(c.before().configHash()))
          .append(" -> ")
          .append(shortHash(c.after().configHash()))
          .append("): its rates are not comparable");
      s.append(gate.thresholds().isEmpty() ? "." : "; the gate judged nothing.");
    } else if (!gate.thresholds().isEmpty()) {
      s.append(
          crossings.isEmpty()
              ? " Gate " + gate + ": passed."
              : " Gate " + gate + ": FAILED, " + crossings.size() + " crossed.");
    }
    return s.toString();
  }

  private static String table(RunComparison c, Gate gate, List<Crossing> crossings, boolean all) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "sweep %s: run %s (%s) against run %s (%s); two-sided two-proportion z-test at"
                + " alpha %s%n",
            c.sweep(),
            c.after().runId(),
            c.after().description(),
            c.before().runId(),
            c.before().description(),
            num(c.alpha())));
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"model / attack", "metric", "before", "after", "change", "p", ""});
    for (Line line : c.lines(Presence.BOTH)) {
      for (Change ch : line.changes()) {
        if (!all && !ch.significant()) {
          continue;
        }
        rows.add(
            new String[] {
              line.name(),
              ch.rate().column,
              rate(ch.before()),
              rate(ch.after()),
              Double.isNaN(ch.deltaPoints())
                  ? "n/a"
                  : String.format(Locale.ROOT, "%+.2fpt", ch.deltaPoints()),
              pValue(ch.pValue()),
              crossed(crossings, ch)
            });
      }
    }
    if (rows.size() > 1) {
      int[] width = new int[rows.get(0).length];
      for (String[] r : rows) {
        for (int i = 0; i < r.length; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          l.append(i < 2 ? pad(r[i], width[i]) : padLeft(r[i], width[i])).append("  ");
        }
        s.append(l.toString().stripTrailing()).append('\n');
      }
    }
    for (Line line : c.lines(Presence.APPEARED)) {
      s.append("appeared:    ").append(line.name()).append(" (not in run ");
      s.append(c.before().runId()).append(")\n");
    }
    for (Line line : c.lines(Presence.DISAPPEARED)) {
      s.append("disappeared: ").append(line.name()).append(" (not in run ");
      s.append(c.after().runId()).append(")\n");
    }
    return s.append(summary(c, gate, crossings)).append('\n').toString();
  }

  private static String csv(RunComparison c, List<Crossing> crossings, boolean all) {
    StringBuilder s = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
    for (Line line : c.lines()) {
      if (line.presence() != Presence.BOTH) {
        s.append(csvLine(c, line, null, "")).append('\n');
        continue;
      }
      for (Change ch : line.changes()) {
        if (all || ch.significant()) {
          s.append(csvLine(c, line, ch, crossed(crossings, ch))).append('\n');
        }
      }
    }
    return s.toString();
  }

  private static String csvLine(RunComparison c, Line line, Change ch, String crossed) {
    ConfigMetrics m = line.row();
    List<Object> v = new ArrayList<>();
    v.add(c.sweep());
    v.add(c.after().runId());
    v.add(c.before().runId());
    v.add(m.configId());
    v.add(m.label());
    v.add(m.attack());
    v.add(m.attackLabel());
    v.add(line.presence().name().toLowerCase(Locale.ROOT));
    if (ch == null) {
      for (int i = 0; i < 10; i++) {
        v.add("");
      }
    } else {
      v.add(ch.rate().column);
      addInterval(v, ch.before());
      addInterval(v, ch.after());
      v.add(number(ch.deltaPoints()));
      v.add(number(ch.pValue()));
      v.add(ch.significant());
    }
    v.add(crossed);
    return v.stream().map(ComparisonOutput::csvField).collect(Collectors.joining(","));
  }

  private static void addInterval(List<Object> v, Interval i) {
    v.add(number(i.value()));
    v.add(number(i.lower()));
    v.add(number(i.upper()));
  }

  /** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
  static String csvField(Object o) {
    String s = o == null ? "" : String.valueOf(o);
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  private static String json(RunComparison c, Gate gate, List<Crossing> crossings, boolean all) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("sweep", c.sweep());
    root.put("run", side(c.after()));
    root.put("baseline", side(c.before()));
    root.put("test", "two-sided two-proportion z-test");
    root.put("alpha", c.alpha());
    root.put("sweep_changed", c.sweepChanged());
    List<Object> changes = new ArrayList<>();
    for (Line line : c.lines(Presence.BOTH)) {
      for (Change ch : line.changes()) {
        if (all || ch.significant()) {
          Map<String, Object> o = row(line);
          o.put("metric", ch.rate().column);
          o.put("before", interval(ch.before(), ch.beforeSuccesses(), ch.beforeTrials()));
          o.put("after", interval(ch.after(), ch.afterSuccesses(), ch.afterTrials()));
          o.put("delta_pt", jsonNumber(ch.deltaPoints()));
          o.put("p_value", jsonNumber(ch.pValue()));
          o.put("significant", ch.significant());
          o.put(
              "crossed",
              crossings.stream()
                  .filter(x -> x.change() == ch)
                  .map(x -> x.threshold().toString())
                  .toList());
          changes.add(o);
        }
      }
    }
    root.put("changes", changes);
    root.put("appeared", c.lines(Presence.APPEARED).stream().map(ComparisonOutput::row).toList());
    root.put(
        "disappeared", c.lines(Presence.DISAPPEARED).stream().map(ComparisonOutput::row).toList());
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("fail_on", gate.thresholds().stream().map(Gate.Threshold::toString).toList());
    g.put("crossed", crossings.size());
    g.put("failed", !crossings.isEmpty());
    root.put("gate", g);
    root.put("summary", summary(c, gate, crossings));
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root)
          + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the comparison as JSON", e);
    }
  }

  private static Map<String, Object> side(RunComparison.Side s) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("run_id", s.runId());
    o.put("chosen_as", s.description());
    o.put("config_hash", s.configHash());
    return o;
  }

  private static Map<String, Object> row(Line line) {
    ConfigMetrics m = line.row();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("config_id", m.configId());
    o.put("model", m.label());
    o.put("attack", m.attack());
    o.put("attack_label", m.attackLabel());
    return o;
  }

  private static Map<String, Object> interval(Interval i, long k, long n) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("value", jsonNumber(i.value()));
    o.put("lower", jsonNumber(i.lower()));
    o.put("upper", jsonNumber(i.upper()));
    o.put("successes", k);
    o.put("trials", n);
    return o;
  }

  private static String crossed(List<Crossing> crossings, Change ch) {
    return crossings.stream()
        .filter(x -> x.change() == ch)
        .map(x -> "crossed " + x.threshold())
        .collect(Collectors.joining(" "));
  }

  private static Double jsonNumber(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static String number(double v) {
    return Double.isNaN(v) ? "" : num(v);
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+(e|$)", "$1");
  }

  private static String rate(Interval i) {
    return Double.isNaN(i.value())
        ? "n/a"
        : String.format(
            Locale.ROOT, "%.2f%% [%.1f, %.1f]", 100 * i.value(), 100 * i.lower(), 100 * i.upper());
  }

  private static String pValue(double p) {
    if (Double.isNaN(p)) {
      return "n/a";
    }
    return p < 1e-4 ? "<0.0001" : String.format(Locale.ROOT, "%.4f", p);
  }

  private static String shortHash(String h) {
    return h == null ? "?" : h.substring(0, Math.min(12, h.length()));
  }

  private static String pad(String s, int w) {
    return s + " ".repeat(w - s.length());
  }

  private static String padLeft(String s, int w) {
    return " ".repeat(w - s.length()) + s;
  }
}
