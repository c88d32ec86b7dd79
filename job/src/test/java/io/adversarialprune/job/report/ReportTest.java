package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The report command on real results: two runs, one run, a run that died halfway, bad input. */
class ReportTest {
  private static SparkSession spark;
  @TempDir static Path tmp;
  private static Path twoRuns;

  @BeforeAll
  static void sweep() throws IOException {
    spark = TinySweep.session("ReportTest");
    twoRuns = tmp.resolve("two");
    TinySweep.runTwice(spark, twoRuns.toString(), "n1", "n2");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void twoRunsGiveTableChartsAndComparison() throws IOException {
    Path out = tmp.resolve("two.html");
    assertThat(report("--results", twoRuns.toString(), "--out", out.toString())).isZero();
    String html = Files.readString(out);

    assertThat(html).contains("run n2").contains("Compared to <strong>n1</strong>");
    // the study's rows, its corrected column names
    // summary: every config under each attack, and its worst case; comparison: each of those
    assertThat(count(html, "<tr class=\"worst\">")).isEqualTo(TinySweep.CONFIGS);
    assertThat(count(html, "<tr><td class=\"l\">"))
        .isEqualTo(TinySweep.ROWS - TinySweep.CONFIGS + TinySweep.ROWS);
    assertThat(html)
        .contains(
            "<th class=\"l\">Attack</th>",
            "<td class=\"l\">pgd</td>",
            "<td class=\"l\">fgsm</td>",
            "<td class=\"l\">worst-case</td>");
    assertThat(html)
        .contains(
            "<th>clean_acc</th>",
            "<th>remnant_acc</th>",
            "pred_change_rate",
            "strict_asr",
            "baseline",
            "prune E=0.001",
            "prune S=3",
            "prune R=0.01");
    // E (two values) per attack: accuracy, strict ASR, prune ratio, the L2 norm (PGD's and
    // FGSM's L-infinity norm is their eps, a constant: no chart) and accuracy vs ratio; S and R
    // have one value each: no line. And layer anatomy: a chart per pruned config against the
    // baseline
    assertThat(count(html, "<figure class=\"chart\"")).isEqualTo(5 + TinySweep.CONFIGS - 1);
    assertThat(html)
        .contains(
            "id=\"chart-acc-E\" data-x-scale=\"log\"",
            "id=\"chart-asr-E\"",
            "id=\"chart-ratio-E\"",
            "id=\"chart-l2-E\"",
            "<figcaption>Clean and remnant accuracy vs E, per attack (log x)",
            "No line for S, R: one value each")
        .doesNotContain("id=\"chart-rates-S\"", "id=\"chart-ratio-R\"", "id=\"chart-linf-E\"");
    // each attack charted, not only the worst case: clean, pgd, fgsm and worst-case, four colours
    assertThat(html)
        .containsPattern("id=\"chart-acc-E\"[^>]*data-colors=\"(#[0-9a-f]{6} ){3}#[0-9a-f]{6}\"");
    // the verdict first: config x attack, the worst case marked, then the masking checks
    assertThat(html.indexOf("id=\"verdict\"")).isPositive().isLessThan(html.indexOf("<h2>Summary"));
    assertThat(html)
        .contains("<table id=\"verdict-pivot\">", "<th class=\"wc\">worst-case</th>")
        .contains("<table id=\"verdict-masking\">");
    assertThat(count(html, "<tr class=\"pivot\">")).isEqualTo(TinySweep.CONFIGS);
    // the runs table's timestamps: to the second, in UTC
    assertThat(html)
        .containsPattern(
            "Run <strong>n2</strong>: SUCCEEDED, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"
                + " UTC, ended \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC,");
    // layer anatomy: every config under each attack, every probe of the default model
    assertThat(html)
        .contains(
            "<table id=\"layers\">",
            "<th>conv1</th>",
            "<th>logits</th>",
            "id=\"chart-layers-E_0.05\"",
            "<figcaption>Relative change per layer, E=0.05 vs baseline (pgd)");
    assertThat(count(html, "<tr class=\"layer\">"))
        .isEqualTo(TinySweep.CONFIGS * TinySweep.ATTACKS.size());
    assertThat(html)
        .contains(
            "id=\"chart-ratio-E\" data-x-scale=\"log\" data-points=\"2\"",
            "<figcaption>Strict ASR vs E, per attack (log x)");
    // same config, same seeds, deterministic sweep: nothing can move between the two runs
    assertThat(html).contains("0 changes flagged; 0 rows only in n2, 0 only in n1");
    // every executor's engine check, all passed
    assertThat(html)
        .contains("<table id=\"engine-checks\">", "<tr class=\"passed\">")
        .doesNotContain("<tr class=\"failed\">");
    assertThat(html).doesNotContain("<script", "<link", "src=\"http", "href=\"http", "@import");
  }

  @Test
  void oneRunSaysThereIsNothingToCompare() throws IOException {
    Path root = tmp.resolve("one");
    ResultsFixtures.copy(
        spark,
        twoRuns.toString(),
        root.toString(),
        List.of(
            Tables.SAMPLES.name(),
            Tables.METRICS.name(),
            Tables.PRUNE_STATS.name(),
            Tables.RUNS.name()),
        TinySweep.NAME,
        "n1");
    Path out = tmp.resolve("one.html");
    assertThat(report("--results", root.toString(), "--out", out.toString())).isZero();
    String html = Files.readString(out);
    assertThat(html).contains("has only one run (n1)").contains("id=\"compare-missing\"");
    assertThat(html).contains("id=\"checks-missing\"");
    assertThat(count(html, "<figure class=\"chart\"")).isEqualTo(5);
  }

  @Test
  void runThatDiedHalfwayIsReportedWithWhatIsMissing() throws IOException {
    String root = tmp.resolve("died").toString();
    ResultsFixtures.copyAll(spark, twoRuns.toString(), root);
    // n3 started after n2, committed one config's units (both seeds, both attacks) and never
    // wrote metrics: its runs row says FAILED, its units are still under _units.
    List<Row> n2 = ResultsFixtures.rows(spark, root, Tables.RUNS.name(), TinySweep.NAME, "n2");
    assertThat(n2).hasSize(1);
    Row n3 =
        spark
            .createDataFrame(n2, RunsTable.SCHEMA)
            .withColumn("run_id", lit("n3"))
            .withColumn("status", lit("FAILED"))
            .withColumn("started_at", current_timestamp())
            .withColumn("ended_at", lit(null).cast(DataTypes.TimestampType))
            .first();
    ResultsFixtures.write(spark, root, Tables.RUNS.name(), List.of(n3));
    List<Row> samples =
        ResultsFixtures.rows(spark, root, Tables.SAMPLES.name(), TinySweep.NAME, "n2");
    String someConfig =
        samples.stream().map(r -> r.<String>getAs("config_id")).sorted().findFirst().orElseThrow();
    assertThat(
            ResultsFixtures.writeUnits(
                spark,
                root,
                TinySweep.NAME,
                "n3",
                samples.stream().filter(r -> r.getAs("config_id").equals(someConfig)).toList()))
        .isEqualTo(4);

    // 2 seeds x 1 shard x each attack, of every config
    int units = 2 * TinySweep.ATTACKS.size() * TinySweep.CONFIGS;
    Path out = tmp.resolve("died.html");
    assertThat(report("--results", root, "--out", out.toString())).isZero();
    String html = Files.readString(out);
    assertThat(html)
        .contains("Run n3 has status FAILED")
        .containsPattern(
            "Run n3 has status FAILED \\(started [-0-9]{10} [:0-9]{8} UTC, never ended\\)")
        .contains(
            "Run n3: 4 of "
                + units
                + " (config, attack, seed, shard) units committed; "
                + (units - 4)
                + " missing.")
        .contains("Run n3 has no metrics rows")
        .contains("id=\"summary-missing\"", "id=\"charts-missing\"")
        // compared to n2: every config of n2 is missing from n3
        .contains("0 rows only in n3, " + TinySweep.ROWS + " only in n2");

    // the last good run can still be reported against the failed one
    Path back = tmp.resolve("back.html");
    assertThat(
            report(
                "--results",
                root,
                "--run-id",
                "n2",
                "--compare-to",
                "n3",
                "--out",
                back.toString()))
        .isZero();
    assertThat(Files.readString(back))
        .contains("not in run n3")
        .contains("Run n3 has status FAILED")
        .containsPattern(
            "Run n3 has status FAILED \\(started [-0-9]{10} [:0-9]{8} UTC, never ended\\)");
  }

  @Test
  void unknownRootSweepOrRunIdIsExit2NamingIt() {
    Path out = tmp.resolve("x.html");
    StringWriter err = new StringWriter();
    assertThat(report(err, "--results", tmp.resolve("nope").toString(), "--out", out.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("results root").contains("nope").contains("does not exist");

    err = new StringWriter();
    assertThat(
            report(
                err,
                "--results",
                twoRuns.toString(),
                "--sweep",
                "nightly",
                "--out",
                out.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("unknown sweep 'nightly'").contains("sweeps: tiny");

    err = new StringWriter();
    assertThat(
            report(err, "--results", twoRuns.toString(), "--run-id", "n9", "--out", out.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("unknown run id 'n9'").contains("runs: n2, n1");

    err = new StringWriter();
    assertThat(
            report(
                err,
                "--results",
                twoRuns.toString(),
                "--compare-to",
                "n0",
                "--out",
                out.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("unknown run id 'n0' (--compare-to)");
    assertThat(out).doesNotExist();
  }

  private static int report(String... args) {
    return report(new StringWriter(), args);
  }

  private static int report(StringWriter err, String... args) {
    CommandLine cli = Main.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    String[] all = new String[args.length + 1];
    all[0] = "report";
    System.arraycopy(args, 0, all, 1, args.length);
    return cli.execute(all);
  }

  private static int count(String s, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
