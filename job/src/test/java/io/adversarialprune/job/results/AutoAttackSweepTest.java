package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.report.Charts;
import io.adversarialprune.job.report.HtmlReport;
import io.adversarialprune.job.report.ReportData;
import io.adversarialprune.job.report.ReportLoader;
import io.adversarialprune.job.report.TinySweep;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autoattack cascade in a real local[2] sweep on udfs' tiny fixture: the samples table names
 * the member that broke each sample, and the metrics row says which members ran and is no higher
 * than a member's own row. A large eps keeps it fast (every sample falls to the first members).
 */
class AutoAttackSweepTest {
  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark = TinySweep.session("AutoAttackSweepTest");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void samplesNameTheMemberThatBrokeThemAndTheRowIsNoHigherThanAMembers() throws Exception {
    Path root = tmp.resolve("aa");
    String tiny =
        Path.of("../udfs/src/test/resources/fixtures/tiny.pt").toAbsolutePath().toString();
    List<String> args =
        new ArrayList<>(List.of("run", "--results", root.toString(), "--run-id", "a1"));
    for (String s :
        List.of(
            "sweep.name=aa",
            "sweep.data.limit=24",
            "sweep.data.shards=2",
            "sweep.attack.batch-size=10",
            "sweep.attack.eps=0.3",
            "sweep.attacks=[{type=autoattack}, {type=apgd-ce, steps=5}]",
            "sweep.model.path=\"" + tiny + "\"",
            "sweep.model.input.height=8",
            "sweep.model.input.width=8",
            "sweep.model.resize=8",
            "sweep.model.mean=[0.5]",
            "sweep.model.std=[0.25]")) {
      args.add("--set");
      args.add(s);
    }
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    assertThat(cli.execute(args.toArray(String[]::new))).as(err.toString()).isZero();

    ResultsFixtures.use(spark, root.toString());
    List<Row> byMember =
        spark
            .sql(
                "SELECT attack, broken_by, label = clean_pred AS correct, adv_pred = label AS"
                    + " robust, count(*) FROM samples GROUP BY 1, 2, 3, 4")
            .collectAsList();
    assertThat(byMember).isNotEmpty();
    for (Row r : byMember) {
      boolean cascade = r.getString(0).equals("autoattack");
      boolean brokenByMember = r.getBoolean(2) && !r.getBoolean(3);
      if (cascade && brokenByMember) {
        assertThat(r.getString(1)).as(r.toString()).isIn("apgd-ce", "apgd-t", "fab-t", "square");
      } else {
        assertThat(r.isNullAt(1)).as(r.toString()).isTrue();
      }
    }
    assertThat(byMember.stream().filter(r -> !r.isNullAt(1)).count()).isPositive();
    Row aa =
        spark
            .sql("SELECT adv_correct, attack_label FROM metrics WHERE attack = 'autoattack'")
            .first();
    Row ce = spark.sql("SELECT adv_correct FROM metrics WHERE attack = 'apgd-ce'").first();
    assertThat(aa.getString(1)).contains("members=apgd-ce,apgd-t,fab-t,square");
    assertThat(aa.getLong(0)).isLessThanOrEqualTo(ce.getLong(0));

    // Distances: every broken sample of the cascade has one, at most eps (plus 8-bit rounding's
    // step); an attack that does not record them has none.
    assertThat(
            spark
                .sql(
                    "SELECT count(*) FROM samples WHERE attack = 'autoattack' AND label ="
                        + " clean_pred AND adv_pred != label"
                        + " AND (min_distance IS NULL OR min_distance > 0.3 + 1 / 255)")
                .first()
                .getLong(0))
        .isZero();
    assertThat(
            spark
                .sql("SELECT count(min_distance) FROM samples WHERE attack = 'apgd-ce'")
                .first()
                .getLong(0))
        .isZero();
    // metrics.median_min_distance is SQL's median over the clean-correct samples with one
    List<Row> medians =
        spark
            .sql(
                "SELECT m.median_min_distance, s.median FROM metrics m JOIN (SELECT attack,"
                    + " percentile(min_distance, 0.5) AS median FROM samples WHERE label ="
                    + " clean_pred GROUP BY attack) s ON m.attack = s.attack WHERE m.level ="
                    + " 'config' ORDER BY m.attack")
            .collectAsList();
    assertThat(medians).hasSize(2);
    assertThat(medians.get(0).isNullAt(1)).as("apgd-ce").isTrue();
    assertThat(medians.get(0).isNullAt(0)).as("apgd-ce").isTrue();
    assertThat(medians.get(1).getDouble(0))
        .as("autoattack")
        .isCloseTo(medians.get(1).getDouble(1), within(1e-6));

    // The robustness curve, notebook query 11 and the report's: clean accuracy at 0, never rising,
    // and at eps (plus 8-bit rounding's half step) the row's remnant accuracy.
    spark.conf().set("ap.sweep", "aa");
    List<Row> curve =
        spark
            .sql(
                java.nio.file.Files.readString(
                    Path.of("..", "notebooks", "sql", "11_robustness_curve.sql")))
            .collectAsList();
    assertThat(curve).isNotEmpty().allMatch(r -> r.getString(2).equals("autoattack"));
    Row clean =
        spark
            .sql(
                "SELECT clean_acc, remnant_acc FROM metrics WHERE attack = 'autoattack' AND level"
                    + " = 'config'")
            .first();
    assertThat(curve.get(0).getDouble(3)).isZero();
    assertThat(curve.get(0).getDouble(4)).isCloseTo(clean.getDouble(0), within(1e-9));
    double atEps = curve.get(0).getDouble(4);
    for (int i = 1; i < curve.size(); i++) {
      assertThat(curve.get(i).getDouble(4)).isLessThanOrEqualTo(curve.get(i - 1).getDouble(4));
      if (curve.get(i).getDouble(3) <= 0.3 + 1 / 255.0) {
        atEps = curve.get(i).getDouble(4);
      }
    }
    assertThat(atEps).isCloseTo(clean.getDouble(1), within(1e-9));
    ReportData data =
        new ReportLoader(
                spark,
                ResultsCatalog.open(
                    spark,
                    ResultsCatalog.EMBEDDED,
                    ResultsCatalog.DEFAULT_NAMESPACE,
                    root.toString()),
                new ResultsLayout(root.toString()))
            .load(null, null, null);
    assertThat(data.curves()).hasSize(1);
    assertThat(data.curves().get(0).robustAt(0.3 + 1 / 255.0))
        .isCloseTo(clean.getDouble(1), within(1e-9));
    List<Charts.Chart> charts = Charts.forCurves(data.curves(), data.run().metrics());
    assertThat(HtmlReport.render(data, List.of(), List.of(), charts))
        .contains("id=\"chart-curve-autoattack\"");
  }
}
