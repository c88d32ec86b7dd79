package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * notebooks/sql/09_gradient_masking.sql's gradient-free check on hand-made metrics: Square below
 * the best gradient attack of the same norm and eps, intervals apart, flags the config; a Square
 * within the intervals, or at another eps, does not; and the report's {@link MaskingChecks} give
 * the same checks in the same order.
 */
class MaskingQueryTest {
  private static SparkSession spark;

  /** The same rows as the metrics view, as the report reads them. */
  private static final List<ConfigMetrics> RECORDS = new java.util.ArrayList<>();

  @BeforeAll
  static void views() {
    spark = TinySweep.session("MaskingQueryTest");
    spark
        .sql(
            "SELECT * FROM VALUES ('m', 'r1', 'SUCCEEDED', TIMESTAMP'2026-01-01 00:00:00')"
                + " AS runs(sweep, run_id, status, started_at)")
        .createOrReplaceTempView("runs");
    // config, order, attack, type, label, norm, eps, gradient-free, attack order, remnant,
    // lower, upper
    String rows =
        String.join(
            ", ",
            row("baseline", 0, "pgd", "pgd-linf", PGD, "linf", 0.03, false, 0, 0.10, 0.08, 0.12),
            row("baseline", 0, "apgd", "apgd-ce", APGD, "linf", 0.03, false, 1, 0.05, 0.04, 0.07),
            row("baseline", 0, "sq", "square", SQ, "linf", 0.03, true, 2, 0.06, 0.04, 0.08),
            row("S_2", 1, "pgd", "pgd-linf", PGD, "linf", 0.03, false, 0, 0.40, 0.36, 0.44),
            row("S_2", 1, "apgd", "apgd-ce", APGD, "linf", 0.03, false, 1, 0.30, 0.26, 0.34),
            row("S_2", 1, "sq", "square", SQ, "linf", 0.03, true, 2, 0.10, 0.08, 0.12),
            row(
                "S_2",
                1,
                "sq-big",
                "square",
                "square norm=linf eps=0.1 queries=10",
                "linf",
                0.1,
                true,
                3,
                0.0,
                0.0,
                0.01));
    spark
        .sql(
            "SELECT * FROM VALUES "
                + rows
                + " AS metrics(sweep, run_id, level, config_id, config_order, prune, attack,"
                + " attack_type, attack_label, norm, eps, gradient_free, attack_order, remnant_acc,"
                + " remnant_acc_lower, remnant_acc_upper, baseline_adv_acc, masking_suspect)")
        .createOrReplaceTempView("metrics");
    spark.conf().set("ap.sweep", "m");
  }

  private static final String PGD = "pgd-linf eps=0.03 alpha=0.001";
  private static final String APGD = "apgd-ce eps=0.03 steps=10";
  private static final String SQ = "square norm=linf eps=0.03 queries=10";

  private static String row(
      String config,
      int order,
      String attack,
      String type,
      String label,
      String norm,
      double eps,
      boolean gradientFree,
      int attackOrder,
      double remnant,
      double lower,
      double upper) {
    RECORDS.add(
        new ConfigMetrics(
            config,
            order,
            config,
            null,
            null,
            null,
            attack,
            type,
            label,
            attackOrder,
            1,
            150,
            100,
            Math.round(remnant * 150),
            0,
            0,
            new ConfigMetrics.Interval(0.9, 0.85, 0.95),
            new ConfigMetrics.Interval(remnant, lower, upper),
            new ConfigMetrics.Interval(0.5, 0.4, 0.6),
            new ConfigMetrics.Interval(0.5, 0.4, 0.6),
            null,
            null,
            null,
            null,
            null,
            null,
            norm,
            eps,
            null,
            null,
            gradientFree));
    return String.format(
        java.util.Locale.ROOT,
        "('m', 'r1', 'config', '%s', %d, '%s', '%s', '%s', '%s', '%s', %sD, %s, %d, %s, %s, %s,"
            + " CAST(NULL AS DOUBLE), CAST(NULL AS BOOLEAN))",
        config,
        order,
        config,
        attack,
        type,
        label,
        norm,
        eps,
        gradientFree,
        attackOrder,
        remnant,
        lower,
        upper);
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void squareBelowTheBestGradientAttackFlagsTheConfigNamingBoth() throws Exception {
    List<Row> rows =
        spark
            .sql(Files.readString(Path.of("..", "notebooks", "sql", "09_gradient_masking.sql")))
            .collectAsList();
    // one gradient-free check per config (sq-big has no gradient attack at eps 0.1)
    assertThat(rows).hasSize(2);
    Row flagged = rows.get(0);
    assertThat(flagged.<String>getAs("config_id")).isEqualTo("S_2");
    assertThat(flagged.<String>getAs("check")).isEqualTo("gradient-free");
    assertThat(flagged.<String>getAs("attack")).isEqualTo("apgd");
    assertThat(flagged.<String>getAs("evidence")).isEqualTo("sq");
    assertThat(flagged.<Double>getAs("gap")).isCloseTo(0.20, within());
    assertThat(flagged.<Boolean>getAs("flagged")).isTrue();
    Row baseline = rows.get(1);
    assertThat(baseline.<String>getAs("config_id")).isEqualTo("baseline");
    assertThat(baseline.<String>getAs("attack")).isEqualTo("apgd");
    assertThat(baseline.<Boolean>getAs("flagged")).isFalse();
  }

  @Test
  void theReportsChecksAreTheQuerysRowForRow() throws Exception {
    List<Row> sql =
        spark
            .sql(Files.readString(Path.of("..", "notebooks", "sql", "09_gradient_masking.sql")))
            .collectAsList();
    List<MaskingChecks.Check> java = MaskingChecks.of(RECORDS);
    assertThat(java).hasSameSizeAs(sql);
    for (int i = 0; i < sql.size(); i++) {
      Row r = sql.get(i);
      MaskingChecks.Check c = java.get(i);
      assertThat(c.row().configId()).isEqualTo(r.<String>getAs("config_id"));
      assertThat(c.check()).isEqualTo(r.<String>getAs("check"));
      assertThat(c.attack()).isEqualTo(r.<String>getAs("attack"));
      assertThat(c.evidence()).isEqualTo(r.<String>getAs("evidence"));
      assertThat(c.gap()).isCloseTo(r.<Double>getAs("gap"), within());
      assertThat(c.flagged()).isEqualTo(r.<Boolean>getAs("flagged"));
    }
    assertThat(java.get(0).flagged()).isTrue();
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
