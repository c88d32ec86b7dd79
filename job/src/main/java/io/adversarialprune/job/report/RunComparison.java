package io.adversarialprune.job.report;

import io.adversarialprune.job.report.ConfigMetrics.Interval;
import io.adversarialprune.job.report.ConfigMetrics.Rate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.math3.special.Erf;

/**
 * One run's config-level rates against a baseline run's, per (config, attack), the worst case
 * included: what {@code compare} prints and gates on, and what the report's comparison section
 * shows. Stateless apart from its result.
 *
 * <p><b>The test.</b> A rate changed significantly when a two-sided two-proportion z-test (pooled
 * variance) rejects "same proportion" at level {@code alpha}: under no real change each rate is
 * flagged with probability about {@code alpha} (1% by default; {@code RunComparisonTest} measures
 * it on simulated runs). A run has many rates (configs x attacks x 4), so a night with K of them
 * expects about {@code alpha * K} flags by chance; the gate ({@link Gate}) also asks for a minimum
 * size of change, which a chance flag rarely reaches. Counts are summed over seeds, which reuse the
 * same images; the test treats them as independent samples and so is somewhat liberal when a sweep
 * has several seeds.
 *
 * @param before the baseline
 * @param after the run compared with it
 * @param alpha the test's level
 * @param lines one per (config, attack) of either run: the after run's in grid order, then those
 *     only the baseline has
 */
public record RunComparison(String sweep, Side before, Side after, double alpha, List<Line> lines) {

  /** The default level of the test. */
  public static final double DEFAULT_ALPHA = 0.01;

  /**
   * One side of the comparison.
   *
   * @param description how it was chosen, for people: "previous SUCCEEDED run", "as of ..."
   * @param configHash the run's config hash (runs table); null when unknown
   */
  public record Side(String runId, String description, String configHash) {}

  /** Whether a (config, attack) is in both runs, only the later one, or only the baseline. */
  public enum Presence {
    BOTH,
    APPEARED,
    DISAPPEARED
  }

  /**
   * One (config, attack): its rates' changes, empty unless {@link Presence#BOTH}.
   *
   * @param row the after run's row (the baseline's when it disappeared)
   */
  public record Line(ConfigMetrics row, Presence presence, List<Change> changes) {
    /** "prune E=0.01 / pgd-linf", as the report's tables name a row. */
    public String name() {
      return row.label() + " / " + row.attack();
    }
  }

  /**
   * One rate of one (config, attack) in both runs.
   *
   * @param before the baseline's value and 95% Wilson bounds
   * @param deltaPoints after minus before, in percentage points (NaN when either is undefined)
   * @param pValue the two-sided p-value (NaN when either rate is undefined, 1 when both are 0 or 1)
   */
  public record Change(
      Rate rate,
      Interval before,
      long beforeSuccesses,
      long beforeTrials,
      Interval after,
      long afterSuccesses,
      long afterTrials,
      double deltaPoints,
      double pValue,
      boolean significant) {}

  /**
   * Compares {@code afterRows} with {@code beforeRows}, matching rows by config id and attack.
   *
   * @throws IllegalArgumentException unless {@code 0 < alpha < 1}
   */
  public static RunComparison of(
      String sweep,
      Side before,
      List<ConfigMetrics> beforeRows,
      Side after,
      List<ConfigMetrics> afterRows,
      double alpha) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must lie in (0, 1), got " + alpha);
    }
    Map<String, ConfigMetrics> old = new LinkedHashMap<>();
    beforeRows.forEach(m -> old.put(m.key(), m));
    List<Line> lines = new ArrayList<>();
    for (ConfigMetrics m : afterRows) {
      ConfigMetrics o = old.remove(m.key());
      if (o == null) {
        lines.add(new Line(m, Presence.APPEARED, List.of()));
        continue;
      }
      List<Change> changes = new ArrayList<>();
      for (Rate r : Rate.values()) {
        changes.add(change(r, o, m, alpha));
      }
      lines.add(new Line(m, Presence.BOTH, List.copyOf(changes)));
    }
    old.values().forEach(o -> lines.add(new Line(o, Presence.DISAPPEARED, List.of())));
    return new RunComparison(sweep, before, after, alpha, List.copyOf(lines));
  }

  /**
   * Whether the two runs ran different sweep configs (their config hashes differ), so their rates
   * measure different things and no change of them is judged.
   */
  public boolean sweepChanged() {
    return before.configHash() != null
        && after.configHash() != null
        && !before.configHash().equals(after.configHash());
  }

  /** The significant changes, in line order. */
  public List<Change> significant() {
    return lines.stream().flatMap(l -> l.changes().stream()).filter(Change::significant).toList();
  }

  /** The lines with {@code presence}. */
  public List<Line> lines(Presence presence) {
    return lines.stream().filter(l -> l.presence() == presence).toList();
  }

  private static Change change(Rate r, ConfigMetrics before, ConfigMetrics after, double alpha) {
    long k1 = r.successes(before);
    long n1 = r.trials(before);
    long k2 = r.successes(after);
    long n2 = r.trials(after);
    double p = pValue(k1, n1, k2, n2);
    Interval a = r.of(before);
    Interval b = r.of(after);
    return new Change(
        r, a, k1, n1, b, k2, n2, 100 * (b.value() - a.value()), p, !Double.isNaN(p) && p < alpha);
  }

  /**
   * The two-sided p-value of the pooled two-proportion z-test of {@code k1/n1} against {@code
   * k2/n2}: NaN when either has no trials, 1 when the pooled proportion is 0 or 1 (no variance,
   * nothing changed).
   */
  public static double pValue(long k1, long n1, long k2, long n2) {
    if (n1 <= 0 || n2 <= 0) {
      return Double.NaN;
    }
    double pooled = (double) (k1 + k2) / (n1 + n2);
    double variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2);
    if (!(variance > 0)) {
      return 1;
    }
    double z = ((double) k2 / n2 - (double) k1 / n1) / Math.sqrt(variance);
    // P(|Z| >= |z|) = erfc(|z| / sqrt 2)
    return Erf.erfc(Math.abs(z) / Math.sqrt(2));
  }
}
