package io.adversarialprune.job.cli;

import io.adversarialprune.udfs.prune.PruneSpec;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;

/**
 * The study's table, with its two swapped column labels put right: pred_change_rate is (adv_pred !=
 * clean_pred) / total and strict_asr is (clean correct, adv wrong) / clean correct; and an attack
 * column: one row per config and attack, plus the worst case over attacks.
 */
public final class SummaryTable {
  private SummaryTable() {}

  /** Renders config-level metrics rows (the {@code metrics} table's columns). */
  public static String render(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    int w =
        Math.max(
            10, rows.stream().mapToInt(r -> r.<String>getAs("attack").length()).max().orElse(0));
    sb.append(
        String.format(
            Locale.ROOT,
            "| %-22s | %-" + w + "s | %11s | %14s | %16s | %22s | %26s | %7s |%n",
            "Model",
            "Attack",
            "prune ratio",
            "Clean Accuracy",
            "Remnant Accuracy",
            "Prediction Change Rate",
            "Strict Attack Success Rate",
            "images"));
    sb.append("|");
    for (int width : new int[] {24, w + 2, 13, 16, 18, 24, 28, 9}) {
      sb.append("-".repeat(width)).append("|");
    }
    sb.append(System.lineSeparator());
    List<Row> sorted =
        rows.stream()
            .sorted(
                Comparator.<Row>comparingInt(r -> r.<Integer>getAs("config_order"))
                    .thenComparingInt(r -> r.<Integer>getAs("attack_order")))
            .toList();
    for (Row r : sorted) {
      String model =
          r.<String>getAs("target") != null
              ? "transfer " + r.<String>getAs("target")
              : PruneSpec.BASELINE.equals(r.<String>getAs("prune"))
                  ? PruneSpec.BASELINE
                  : "prune " + r.<String>getAs("prune");
      sb.append(
          String.format(
              Locale.ROOT,
              "| %-22s | %-" + w + "s | %11s | %14s | %16s | %22s | %26s | %7d |%n",
              model,
              r.<String>getAs("attack"),
              percent(r.getAs("prune_ratio"), 4),
              percent(r.getAs("clean_acc"), 2),
              percent(r.getAs("remnant_acc"), 2),
              percent(r.getAs("pred_change_rate"), 2),
              percent(r.getAs("strict_asr"), 2),
              r.<Long>getAs("total")));
    }
    return sb.toString();
  }

  /**
   * {@code 12.34%}, or {@code n/a} for an undefined rate (stored as null: e.g. strict_asr when no
   * image was classified correctly, so there is nothing to divide by).
   */
  static String percent(Double rate, int digits) {
    return rate == null || rate.isNaN()
        ? "n/a"
        : String.format(Locale.ROOT, "%." + digits + "f%%", 100 * rate);
  }
}
