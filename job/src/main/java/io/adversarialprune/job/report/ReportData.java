package io.adversarialprune.job.report;

import java.util.List;

/**
 * Everything one report shows, read from a results root by {@link ReportLoader}: the chosen run,
 * optionally the run it is compared to, and plain-language notes on what is missing.
 *
 * @param previous the comparison run; null when there is none (no SUCCEEDED run before the reported
 *     one, and no --compare-to)
 * @param comparison the reported run against {@code previous}, as {@code compare} computes it; null
 *     with {@code previous}
 * @param layers the run's layer anatomy ({@code layers} table, config level), in config, attack and
 *     layer order; empty when the run did not measure it
 * @param notes what is missing or incomplete, shown at the top of the report
 * @param curves the run's robustness curves, per config and attack that records distances, in
 *     config and attack order; empty when none does
 * @param brokenBy per config and cascade attack (autoattack), how many samples each member broke
 *     ({@code samples.broken_by}), in config, attack and member order; empty when no attack of the
 *     run records it
 */
public record ReportData(
    String root,
    String sweep,
    Run run,
    Run previous,
    RunComparison comparison,
    List<LayerLine> layers,
    List<String> notes,
    List<RobustnessCurve> curves,
    List<BrokenBy> brokenBy) {

  /** A run without cascade attacks. */
  public ReportData(
      String root,
      String sweep,
      Run run,
      Run previous,
      RunComparison comparison,
      List<LayerLine> layers,
      List<String> notes,
      List<RobustnessCurve> curves) {
    this(root, sweep, run, previous, comparison, layers, notes, curves, List.of());
  }

  /**
   * The samples of one (config, cascade attack) that one member broke.
   *
   * @param member the {@code broken_by} value: the cascade member that broke them
   */
  public record BrokenBy(String configId, String attack, String member, long samples) {}

  /**
   * One run: its {@code runs} row, its config-level metrics (empty if it wrote none) and how many
   * of its (config, seed, shard) units were committed.
   *
   * @param expectedUnits from the run's recorded config; null when that config cannot be read
   * @param checks the run's engine checks (every executor's, every attempt's)
   */
  public record Run(
      String runId,
      String status,
      String startedAt,
      String endedAt,
      String device,
      List<ConfigMetrics> metrics,
      long committedUnits,
      Integer expectedUnits,
      List<EngineCheckLine> checks) {

    public boolean complete() {
      return "SUCCEEDED".equals(status) && !metrics.isEmpty();
    }
  }
}
