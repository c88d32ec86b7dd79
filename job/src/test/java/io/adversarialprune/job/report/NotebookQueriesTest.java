package io.adversarialprune.job.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.results.ResultsFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query under {@code notebooks/sql/} run against two real runs of a tiny sweep: its columns,
 * and a property of its rows that a wrong query would break. A query file without a check here, or
 * one the notebooks do not load, fails the test.
 */
class NotebookQueriesTest {
  private static final Path NOTEBOOKS = Path.of("..", "notebooks");
  private static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void sweep() throws IOException {
    spark = TinySweep.session("NotebookQueriesTest");
    String root = tmp.resolve("results").toString();
    TinySweep.runTwice(spark, root, "night-1", "night-2");
    ResultsFixtures.use(spark, root);
    // the notebooks' parameter, substituted by Spark SQL into '${ap.sweep}'
    spark.conf().set("ap.sweep", TinySweep.NAME);
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static final Map<String, Consumer<Dataset<Row>>> CHECKS =
      Map.ofEntries(
          Map.entry("01_summary_table.sql", NotebookQueriesTest::summary),
          Map.entry("02_rates_vs_prune_value.sql", NotebookQueriesTest::ratesVsValue),
          Map.entry("03_accuracy_vs_prune_ratio.sql", NotebookQueriesTest::accuracyVsRatio),
          Map.entry("04_classes_lost_under_attack.sql", NotebookQueriesTest::classes),
          Map.entry("05_parameters_changed_most.sql", NotebookQueriesTest::parameters),
          Map.entry("06_spread_across_seeds.sql", NotebookQueriesTest::seedSpread),
          Map.entry("07_latest_vs_previous_run.sql", NotebookQueriesTest::nightOverNight),
          Map.entry("08_attacks_vs_worst_case.sql", NotebookQueriesTest::attacksVsWorstCase),
          Map.entry("09_gradient_masking.sql", NotebookQueriesTest::masking),
          Map.entry("10_layer_anatomy.sql", NotebookQueriesTest::layers),
          Map.entry("11_robustness_curve.sql", NotebookQueriesTest::robustnessCurve));

  @Test
  void everyNotebookQueryRunsAndHoldsItsProperty() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(NOTEBOOKS.resolve("sql"))) {
      files = s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
    }
    assertThat(files.stream().map(p -> p.getFileName().toString()))
        .containsExactlyInAnyOrderElementsOf(CHECKS.keySet());
    for (Path f : files) {
      Dataset<Row> df = spark.sql(Files.readString(f));
      CHECKS.get(f.getFileName().toString()).accept(df);
    }
  }

  @Test
  void notebooksLoadEveryQueryAndTakeTheRootInTheFirstCell() throws IOException {
    StringBuilder all = new StringBuilder();
    int notebooks = 0;
    try (Stream<Path> s = Files.list(NOTEBOOKS)) {
      for (Path nb : s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList()) {
        String json = Files.readString(nb);
        int firstCode = json.indexOf("\"cell_type\": \"code\"");
        assertThat(json.indexOf("RESULTS =", firstCode))
            .as(nb + ": RESULTS in its first code cell")
            .isGreaterThan(firstCode)
            .isLessThan(json.indexOf("\"cell_type\"", firstCode + 10));
        assertThat(json).as(nb.toString()).doesNotContain("/tmp/", "/work/", "/home/");
        assertThat(json).as(nb.toString()).contains("Path(\\\"sql\\\", name)");
        all.append(json);
        notebooks++;
      }
    }
    assertThat(notebooks).isEqualTo(2);
    for (String q : CHECKS.keySet()) {
      // JSON-escaped source of a cell: query("NN_name.sql")
      assertThat(all.toString()).as("a notebook loads " + q).contains("query(\\\"" + q + "\\\")");
      // shown by the setup's show(), which says n/a for an undefined rate (null in the tables)
      assertThat(all.toString()).as(q + " shown").contains("show(query(\\\"" + q + "\\\"))");
    }
    assertThat(all.toString())
        .contains("F.coalesce(F.col(c).cast(\\\"string\\\"), F.lit(\\\"n/a\\\"))");
  }

  /**
   * Columns here; the curve's values are checked on a sweep with distances (AutoAttackSweepTest).
   */
  static void robustnessCurve(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly("config_id", "prune", "attack", "eps", "robust_acc", "total");
    // the tiny sweep's attacks (pgd, fgsm) record no distances: no curve
    assertThat(df.collectAsList()).isEmpty();
  }

  private static void layers(Dataset<Row> df) {
    assertThat(df.columns())
        .startsWith("prune", "target", "attack", "layer_order", "layer", "relative_l2");
    List<Row> rows = df.collectAsList();
    // every config under each attack, every probe of the default model (8)
    assertThat(rows).hasSize(TinySweep.CONFIGS * TinySweep.ATTACKS.size() * 8);
    for (Row r : rows) {
      assertThat(r.<Double>getAs("relative_l2")).isGreaterThanOrEqualTo(0.0);
      assertThat(r.<Double>getAs("changed_fraction")).isBetween(0.0, 1.0);
      if ("baseline".equals(r.getAs("prune"))) {
        assertThat(r.<Double>getAs("baseline_relative_l2")).isEqualTo(r.getAs("relative_l2"));
      } else {
        assertThat(r.<Double>getAs("baseline_relative_l2")).isNotNull();
      }
    }
  }

  private static void summary(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "model",
            "attack",
            "prune_ratio",
            "clean_acc",
            "remnant_acc",
            "pred_change_rate",
            "strict_asr",
            "seeds",
            "total",
            "correct",
            "changed",
            "attacked");
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(TinySweep.ROWS);
    assertThat(rows.get(0).<String>getAs("model")).isEqualTo("baseline");
    assertThat(rows.subList(0, 3))
        .extracting(r -> r.<String>getAs("attack"))
        .containsExactly("pgd", "fgsm", "worst-case");
    for (Row r : rows) {
      long total = r.getAs("total");
      assertThat(total).isEqualTo(2 * 40);
      assertThat(r.<Double>getAs("pred_change_rate"))
          .isCloseTo((double) r.<Long>getAs("changed") / total, within());
      assertThat(r.<Double>getAs("strict_asr"))
          .isCloseTo((double) r.<Long>getAs("attacked") / r.<Long>getAs("correct"), within());
      for (String c : List.of("prune_ratio", "clean_acc", "remnant_acc")) {
        assertThat(r.<Double>getAs(c)).as(c).isBetween(0.0, 1.0);
      }
    }
  }

  private static void ratesVsValue(Dataset<Row> df) {
    assertThat(df.columns())
        .startsWith(
            "attack",
            "prune_type",
            "prune_value",
            "clean_acc",
            "clean_acc_lower",
            "clean_acc_upper");
    List<Row> rows = df.collectAsList();
    // every config, the baseline included: at value 0, the start of each kind's curve
    assertThat(rows).hasSize(TinySweep.ROWS);
    assertThat(rows)
        .filteredOn(r -> "baseline".equals(r.getAs("prune_type")))
        .hasSize(TinySweep.ATTACKS.size() + 1)
        .allSatisfy(r -> assertThat(r.<Double>getAs("prune_value")).isZero());
    for (Row r : rows) {
      for (String c : List.of("clean_acc", "remnant_acc", "strict_asr")) {
        double v = r.getAs(c);
        assertThat(r.<Double>getAs(c + "_lower")).as(c).isBetween(0.0, v);
        assertThat(r.<Double>getAs(c + "_upper")).as(c).isBetween(v, 1.0);
      }
    }
  }

  private static void accuracyVsRatio(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "attack",
            "prune_type",
            "prune",
            "prune_ratio",
            "clean_acc",
            "remnant_acc",
            "strict_asr");
    List<Double> ratios =
        df.collectAsList().stream().map(r -> r.<Double>getAs("prune_ratio")).toList();
    assertThat(ratios).hasSize(TinySweep.ROWS).isSorted().allMatch(x -> x >= 0 && x <= 1);
  }

  private static void classes(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly("attack", "label", "total", "clean_correct", "adv_correct", "acc_lost");
    List<Row> rows = df.collectAsList();
    // baseline: 40 images x 2 seeds, under each attack
    for (String attack : TinySweep.ATTACKS) {
      assertThat(
              rows.stream()
                  .filter(r -> attack.equals(r.getAs("attack")))
                  .mapToLong(r -> r.getAs("total"))
                  .sum())
          .as(attack)
          .isEqualTo(80);
    }
    for (Row r : rows) {
      assertThat(r.<Long>getAs("clean_correct")).isBetween(0L, r.getAs("total"));
      assertThat(r.<java.math.BigDecimal>getAs("acc_lost").doubleValue()).isBetween(-1.0, 1.0);
    }
  }

  private static void parameters(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "config_id",
            "parameter",
            "elements",
            "changed",
            "changed_fraction",
            "std_before",
            "std_after");
    List<Row> rows = df.collectAsList();
    assertThat(rows).isNotEmpty().hasSizeLessThanOrEqualTo(30);
    double previous = Double.MAX_VALUE;
    for (Row r : rows) {
      double f = r.getAs("changed_fraction");
      assertThat(f).isBetween(0.0, 1.0).isLessThanOrEqualTo(previous);
      previous = f;
    }
  }

  private static void seedSpread(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "config_id",
            "prune",
            "attack",
            "seeds",
            "clean_acc_min",
            "clean_acc_max",
            "clean_acc_sd",
            "strict_asr_min",
            "strict_asr_max",
            "strict_asr_sd");
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(TinySweep.ROWS);
    for (Row r : rows) {
      assertThat(r.<Long>getAs("seeds")).isEqualTo(2L);
      assertThat(r.<Double>getAs("clean_acc_min")).isLessThanOrEqualTo(r.getAs("clean_acc_max"));
      assertThat(r.<Double>getAs("strict_asr_min")).isLessThanOrEqualTo(r.getAs("strict_asr_max"));
    }
  }

  private static void nightOverNight(Dataset<Row> df) {
    assertThat(df.columns())
        .startsWith("config_id", "prune", "attack", "previous_run", "latest_run");
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(TinySweep.ROWS);
    for (Row r : rows) {
      assertThat(r.<String>getAs("latest_run")).isEqualTo("night-2");
      assertThat(r.<String>getAs("previous_run")).isEqualTo("night-1");
      // the same config twice on the same data: the sweep is deterministic
      assertThat(r.<Double>getAs("clean_acc_delta")).isZero();
      assertThat(r.<Boolean>getAs("clean_acc_flagged")).isFalse();
      assertThat(r.<Boolean>getAs("strict_asr_flagged")).isFalse();
    }
  }

  private static void attacksVsWorstCase(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "config_id",
            "prune",
            "attack",
            "attack_label",
            "remnant_acc",
            "worst_case_remnant_acc",
            "above_worst_case");
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(TinySweep.CONFIGS * TinySweep.ATTACKS.size());
    for (Row r : rows) {
      // a sample robust in the worst case is robust under every attack
      assertThat(r.<Double>getAs("above_worst_case")).as(r.toString()).isGreaterThanOrEqualTo(0.0);
    }
  }

  private static void masking(Dataset<Row> df) {
    assertThat(df.columns())
        .containsExactly(
            "config_id",
            "prune",
            "check",
            "attack",
            "remnant_acc",
            "evidence",
            "evidence_acc",
            "gap",
            "flagged");
    List<Row> rows = df.collectAsList();
    // the tiny sweep has no gradient-free attack: the transfer check of every pruned config (not
    // the baseline) under each attack and the worst case; MaskingQueryTest covers Square's check
    assertThat(rows).hasSize(TinySweep.ROWS - (TinySweep.ATTACKS.size() + 1));
    for (Row r : rows) {
      assertThat(r.<String>getAs("config_id")).isNotEqualTo("baseline");
      assertThat(r.<String>getAs("check")).isEqualTo("transfer");
      assertThat(r.<String>getAs("evidence")).isEqualTo("baseline images");
      assertThat(r.<Double>getAs("evidence_acc")).isBetween(0.0, 1.0);
      assertThat(r.<Boolean>getAs("flagged")).isNotNull();
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-9);
  }
}
