package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.col;

import io.adversarialprune.job.results.LegacyImport;
import io.adversarialprune.udfs.prune.PruneSpec;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * One (config, attack)'s over-seeds metrics row ({@code metrics} with {@code level = 'config'}),
 * copied out of Spark so the report renders without a session. The attack is one of the run's, or
 * {@code worst-case} (per sample, the worst over all of them).
 *
 * @param medianMinDistance the median smallest adversarial distance found over the clean-correct
 *     samples, for an attack that records distances (FAB-T, autoattack); else null
 * @param norm the attack's norm ({@code metrics.norm}); null for the worst case and a row written
 *     before the metrics carried the attack's identity ({@link #identified()})
 * @param eps the attack's radius ({@code metrics.eps}); null as {@code norm}
 * @param steps a gradient attack's iterations per restart ({@code metrics.steps}); else null
 * @param queries a gradient-free attack's iterations per restart ({@code metrics.queries}); else
 *     null
 * @param gradientFree true for an attack that uses no gradient, false for one that follows it, null
 *     for an ensemble of both kinds (autoattack), the worst case and a row without identity ({@code
 *     metrics.gradient_free})
 */
public record ConfigMetrics(
    String configId,
    int order,
    String prune,
    String pruneType,
    Double pruneValue,
    String target,
    String attack,
    String attackType,
    String attackLabel,
    int attackOrder,
    int seeds,
    long total,
    long correct,
    long advCorrect,
    long changed,
    long attacked,
    Interval cleanAcc,
    Interval remnantAcc,
    Interval predChangeRate,
    Interval strictAsr,
    Interval baselineAdvAcc,
    Boolean maskingSuspect,
    Double pruneRatio,
    Double meanLinf,
    Double meanL2,
    Double medianMinDistance,
    String norm,
    Double eps,
    Integer steps,
    Integer queries,
    Boolean gradientFree) {

  /** A rate with its 95% interval (the metrics table's {@code _lower}/{@code _upper} columns). */
  public record Interval(double value, double lower, double upper) {
    /** True when {@code x} lies outside [lower, upper]. */
    public boolean excludes(double x) {
      return x < lower || x > upper;
    }
  }

  /** The four rates of the study's table, in its column order. */
  public enum Rate {
    CLEAN_ACC("clean_acc"),
    REMNANT_ACC("remnant_acc"),
    PRED_CHANGE_RATE("pred_change_rate"),
    STRICT_ASR("strict_asr");

    public final String column;

    Rate(String column) {
      this.column = column;
    }

    public Interval of(ConfigMetrics m) {
      return switch (this) {
        case CLEAN_ACC -> m.cleanAcc;
        case REMNANT_ACC -> m.remnantAcc;
        case PRED_CHANGE_RATE -> m.predChangeRate;
        case STRICT_ASR -> m.strictAsr;
      };
    }

    /** The rate's numerator: the samples it counts. */
    public long successes(ConfigMetrics m) {
      return switch (this) {
        case CLEAN_ACC -> m.correct;
        case REMNANT_ACC -> m.advCorrect;
        case PRED_CHANGE_RATE -> m.changed;
        case STRICT_ASR -> m.attacked;
      };
    }

    /** The rate's denominator: all samples, or for strict_asr the clean-correct ones. */
    public long trials(ConfigMetrics m) {
      return this == STRICT_ASR ? m.correct : m.total;
    }

    /** The rate whose column is {@code column}; null when none is. */
    public static Rate byColumn(String column) {
      for (Rate r : values()) {
        if (r.column.equals(column)) {
          return r;
        }
      }
      return null;
    }
  }

  /** The row label the study uses: baseline, "prune E=0.01", "transfer int8". */
  public String label() {
    if (target != null) {
      return "transfer " + target;
    }
    return PruneSpec.BASELINE.equals(prune) ? PruneSpec.BASELINE : "prune " + prune;
  }

  /**
   * Whether the attack followed the straight-through gradient through feature-map clamps (an entry
   * with {@code clamp-gradient = straight-through}).
   */
  public boolean straightThrough() {
    return attackLabel != null
        && attackLabel.endsWith(
            io.adversarialprune.job.results.MetricsTable.STRAIGHT_THROUGH_LABEL);
  }

  /** Whether the config clamps feature maps (grid kind A, alone or in a composite). */
  public boolean clamps() {
    return target == null && prune != null && prune.matches("(.*\\+)?A=.*");
  }

  /** Identifies the row across runs: config and attack. */
  public String key() {
    return configId + "/" + attack;
  }

  /**
   * Whether the row says its attack's norm and eps: every attack's row but the worst case, unless
   * it was written before the metrics carried them (null there).
   */
  public boolean identified() {
    return norm != null && eps != null;
  }

  /** Whether this is the worst case over the run's attacks. */
  public boolean worstCase() {
    return "worst-case".equals(attackType);
  }

  /**
   * The config-level rows of one run in {@code metrics} (a version of the metrics table; null:
   * none), in config and attack order.
   */
  static List<ConfigMetrics> ofRun(Dataset<Row> metrics, String sweep, String runId) {
    if (metrics == null) {
      return List.of();
    }
    return metrics
        .filter(
            col("sweep")
                .equalTo(sweep)
                .and(col("run_id").equalTo(runId))
                .and(col("level").equalTo("config")))
        .collectAsList()
        .stream()
        .map(ConfigMetrics::from)
        .sorted(
            Comparator.comparingInt(ConfigMetrics::order)
                .thenComparingInt(ConfigMetrics::attackOrder))
        .toList();
  }

  /** Whether {@code prune} names the baseline, by today's name or by that of earlier runs. */
  static boolean isBaseline(String prune) {
    return PruneSpec.BASELINE.equals(prune) || LegacyImport.OLD_BASELINE.equals(prune);
  }

  /**
   * A metrics row; an earlier run's baseline ({@link LegacyImport#OLD_BASELINE}) read as today's,
   * so that the report and {@code compare} match it with a new run's.
   */
  static ConfigMetrics from(Row r) {
    boolean old = LegacyImport.OLD_BASELINE.equals(r.getAs("config_id"));
    return new ConfigMetrics(
        old ? PruneSpec.BASELINE : r.getAs("config_id"),
        r.<Integer>getAs("config_order"),
        old ? PruneSpec.BASELINE : r.getAs("prune"),
        old ? PruneSpec.BASELINE : r.getAs("prune_type"),
        old ? Double.valueOf(0.0) : r.getAs("prune_value"),
        r.getAs("target"),
        r.getAs("attack"),
        r.getAs("attack_type"),
        r.getAs("attack_label"),
        r.<Integer>getAs("attack_order"),
        r.<Integer>getAs("seeds"),
        r.<Long>getAs("total"),
        r.<Long>getAs("correct"),
        r.<Long>getAs("adv_correct"),
        r.<Long>getAs("changed"),
        r.<Long>getAs("attacked"),
        interval(r, "clean_acc"),
        interval(r, "remnant_acc"),
        interval(r, "pred_change_rate"),
        interval(r, "strict_asr"),
        r.getAs("baseline_adv_acc") == null ? null : interval(r, "baseline_adv_acc"),
        r.getAs("masking_suspect"),
        r.getAs("prune_ratio"),
        r.getAs("mean_linf"),
        r.getAs("mean_l2"),
        optional(r, "median_min_distance"),
        optional(r, "norm"),
        optional(r, "eps"),
        optional(r, "steps"),
        optional(r, "queries"),
        optional(r, "gradient_free"));
  }

  /**
   * A column that a metrics table written by an older job lacks (until the next run adds it): its
   * value, or null.
   */
  private static <T> T optional(Row r, String column) {
    return r.schema().getFieldIndex(column).isEmpty() ? null : r.getAs(column);
  }

  private static Interval interval(Row r, String column) {
    Double v = r.getAs(column);
    Double lo = r.getAs(column + "_lower");
    Double hi = r.getAs(column + "_upper");
    double value = v == null ? Double.NaN : v;
    return new Interval(value, lo == null ? value : lo, hi == null ? value : hi);
  }
}
