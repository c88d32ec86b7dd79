package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adversarialprune.job.Cli;
import io.adversarialprune.job.report.ComparisonLoader;
import io.adversarialprune.job.report.ReportData;
import io.adversarialprune.job.report.ReportLoader;
import io.adversarialprune.job.report.RunComparison;
import io.adversarialprune.job.report.TinySweep;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.Tables;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nightly} (run, compare with the gate, maintain) and {@code compare} on two real nights of
 * one sweep: night n1 on the embedded default model, night n2 on the same path after the model was
 * replaced by a copy with perturbed weights ({@code fixtures/make_perturbed_model.py}), so the
 * config is the same and the rates really dropped.
 */
class CompareCommandTest {
  private static final List<String> OVERRIDES =
      List.of(
          "sweep.name=nightly",
          "sweep.data.limit=60",
          "sweep.data.shards=1",
          "sweep.attack.steps=2",
          "sweep.attack.batch-size=30",
          "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm}]",
          "sweep.grid={E=[0.05]}");

  private static SparkSession spark;
  @TempDir static Path tmp;
  private static Path root;
  private static Instant betweenNights;
  private static long firstMetricsSnapshot;
  private static Cli firstNight;
  private static Cli secondNight;

  @BeforeAll
  static void twoNights() throws Exception {
    spark = TinySweep.session("CompareCommandTest");
    root = tmp.resolve("results");
    Path model = tmp.resolve("model.pt");
    try (InputStream in =
        CompareCommandTest.class.getResourceAsStream("/default/fashion-mnist-resnet.pt")) {
      Files.copy(in, model);
    }
    firstNight = nightly(model, "n1");
    firstMetricsSnapshot =
        spark
            .sql(
                "SELECT snapshot_id FROM "
                    + ResultsFixtures.open(spark, root.toString()).qualified(Tables.METRICS.name())
                    + ".snapshots ORDER BY committed_at DESC LIMIT 1")
            .first()
            .getLong(0);
    Thread.sleep(50);
    betweenNights = Instant.now();
    Thread.sleep(50);
    // tonight's model, replaced at the same path: the sweep's config (and hash) are unchanged
    try (InputStream in =
        CompareCommandTest.class.getResourceAsStream(
            "/fixtures/fashion-mnist-resnet-perturbed.pt")) {
      Files.copy(in, model, StandardCopyOption.REPLACE_EXISTING);
    }
    secondNight = nightly(model, "n2");
  }

  /** One night of the loop as a schedule runs it: {@code nightly} with the gate. */
  private static Cli nightly(Path model, String runId) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "nightly",
                "--results",
                root.toString(),
                "--run-id",
                runId,
                "--fail-on",
                "remnant_acc:-2pt, clean_acc:-1pt",
                "--compare-out",
                tmp.resolve(runId + "-compare.json").toString()));
    for (String o : OVERRIDES) {
      args.addAll(List.of("--set", o));
    }
    args.addAll(List.of("--set", "sweep.model.path=\"" + model + "\""));
    return execute(args);
  }

  @Test
  void theNightlyLoopRunsComparesWithTheGateAndMaintains() throws Exception {
    assertThat(firstNight.code()).as(firstNight.err()).isZero();
    assertThat(firstNight.out()).contains("nothing to compare it with", "snapshots expired");
    assertThat(tmp.resolve("n1-compare.json")).doesNotExist();

    assertThat(secondNight.code()).as(secondNight.err()).isEqualTo(3);
    assertThat(secondNight.out())
        .contains("sweep nightly run n2", "crossed clean_acc:-1pt", "FAILED", "snapshots expired");
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("n2-compare.json").toFile());
    assertThat(json.get("gate").get("failed").asBoolean()).isTrue();
    // a bad threshold is found before the sweep runs: nothing new in the runs table
    Cli bad = execute(List.of("nightly", "--results", root.toString(), "--fail-on", "x:-1pt"));
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--fail-on: unknown metric 'x'");
    assertThat(spark.sql("SELECT * FROM results.adversarial_prune.runs").count()).isEqualTo(2);
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void theGateFailsTheNightWhoseModelWasPerturbed() {
    Cli r = compare("--fail-on", "remnant_acc:-2pt, clean_acc:-1pt");

    assertThat(r.code()).as(r.err()).isEqualTo(3);
    assertThat(r.out())
        .contains("run n2 (latest SUCCEEDED run) against run n1 (previous SUCCEEDED run)")
        .contains("baseline / pgd", "baseline / worst-case", "clean_acc")
        .contains("crossed clean_acc:-1pt")
        .containsPattern("Gate remnant_acc:-2pt, clean_acc:-1pt: FAILED, \\d+ crossed\\.");
  }

  @Test
  void aThresholdTheChangesDoNotReachPasses() {
    // the perturbed model's rates dropped; a rise of strict_asr by 90 points did not happen
    Cli r = compare("--fail-on", "strict_asr:+90pt");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Gate strict_asr:+90pt: passed.");
  }

  @Test
  void aRunAgainstItselfChangesNothing() {
    Cli r = compare("--run-id", "n1", "--baseline", "n1", "--fail-on", "clean_acc:-1pt");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("0 of 24 rates changed significantly", "passed");
  }

  @Test
  void theFirstNightHasNothingToCompareWith() {
    Cli r = compare("--run-id", "n1", "--fail-on", "clean_acc:-1pt");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("first SUCCEEDED run of its sweep: nothing to compare it with");
  }

  @Test
  void jsonAndCsvCarryTheSameChanges() throws Exception {
    Cli json = compare("--format", "json", "--fail-on", "clean_acc:-1pt");
    Path csvFile = tmp.resolve("out/changes.csv");
    Cli csv = compare("--format", "csv", "--out", csvFile.toString());

    assertThat(json.code()).as(json.err()).isEqualTo(3);
    JsonNode j = new ObjectMapper().readTree(json.out());
    assertThat(j.get("run").get("run_id").asText()).isEqualTo("n2");
    assertThat(j.get("baseline").get("run_id").asText()).isEqualTo("n1");
    assertThat(j.get("sweep_changed").asBoolean()).isFalse();
    assertThat(j.get("gate").get("failed").asBoolean()).isTrue();
    assertThat(j.get("changes").size()).isPositive();
    assertThat(json.err()).contains("Gate clean_acc:-1pt: FAILED");

    assertThat(csv.code()).as(csv.err()).isZero();
    List<String> lines = Files.readAllLines(csvFile);
    assertThat(lines.get(0)).startsWith("sweep,run_id,baseline_run_id,config_id,");
    assertThat(lines).hasSize(1 + j.get("changes").size());
  }

  @Test
  void timeTravelReachesTheTablesAsTheyWere() {
    Cli asOf = compare("--as-of", betweenNights.toString());
    Cli snapshot = compare("--snapshot", Long.toString(firstMetricsSnapshot));
    Cli before = compare("--as-of", "2000-01-01");
    Cli bogus = compare("--snapshot", "42");

    assertThat(asOf.code()).as(asOf.err()).isZero();
    assertThat(asOf.out()).contains("against run n1 (as of " + betweenNights + ")");
    assertThat(snapshot.code()).as(snapshot.err()).isZero();
    assertThat(snapshot.out()).contains("against run n1 (metrics snapshot " + firstMetricsSnapshot);
    // the same comparison as against the previous run, n1
    assertThat(body(asOf.out())).isEqualTo(body(compare().out()));
    assertThat(before.code()).isEqualTo(2);
    assertThat(before.err()).contains("--as-of", "has no snapshot that old");
    assertThat(bogus.code()).isEqualTo(2);
    assertThat(bogus.err()).contains("--snapshot 42", "has no such snapshot");
  }

  @Test
  void badInputExitsTwoNamingIt() {
    assertThat(compare("--run-id", "n9").err()).contains("unknown run id 'n9' (--run-id)");
    assertThat(compare("--baseline", "n9").code()).isEqualTo(2);
    Cli metric = compare("--fail-on", "remnant:-2pt");
    assertThat(metric.code()).isEqualTo(2);
    assertThat(metric.err()).contains("--fail-on: unknown metric 'remnant'");
    Cli malformed = compare("--fail-on", "remnant_acc<-2");
    assertThat(malformed.code()).isEqualTo(2);
    assertThat(malformed.err()).contains("cannot read 'remnant_acc<-2'", "METRIC:[+-]Npt");
    assertThat(compare("--as-of", "yesterday").err()).contains("--as-of 'yesterday' is not a time");
    assertThat(compare("--format", "xml").err()).contains("--format must be table, csv or json");
    assertThat(compare("--sweep", "other").err()).contains("unknown sweep 'other'");
  }

  @Test
  void theReportShowsTheSameComparison() throws Exception {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    RunComparison compared =
        new ComparisonLoader(spark, catalog, root.toString())
            .load(null, null, new ComparisonLoader.Baseline.Previous(), 0.01);
    ReportData report =
        new ReportLoader(spark, catalog, new ResultsLayout(root.toString())).load(null, null, null);

    assertThat(compared.significant()).isNotEmpty();
    assertThat(report.comparison().lines()).isEqualTo(compared.lines());
    assertThat(report.comparison().before().runId()).isEqualTo("n1");
  }

  @Test
  void notebookQuery07FlagsWhatCompareFinds() throws Exception {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    RunComparison compared =
        new ComparisonLoader(spark, catalog, root.toString())
            .load(null, null, new ComparisonLoader.Baseline.Previous(), 0.01);
    ResultsFixtures.use(spark, root.toString());
    spark.conf().set("ap.sweep", "nightly");
    List<org.apache.spark.sql.Row> rows =
        spark
            .sql(
                Files.readString(
                    Path.of("..", "notebooks", "sql", "07_latest_vs_previous_run.sql")))
            .collectAsList();

    assertThat(rows).hasSize(compared.lines().size());
    int flagged = 0;
    for (RunComparison.Line line : compared.lines()) {
      org.apache.spark.sql.Row r =
          rows.stream()
              .filter(
                  x ->
                      x.<String>getAs("config_id").equals(line.row().configId())
                          && x.<String>getAs("attack").equals(line.row().attack()))
              .findFirst()
              .orElseThrow();
      assertThat(r.<Boolean>getAs("clean_acc_flagged"))
          .as(line.name())
          .isEqualTo(line.changes().get(0).significant());
      assertThat(r.<Boolean>getAs("strict_asr_flagged"))
          .as(line.name())
          .isEqualTo(line.changes().get(3).significant());
      flagged += r.<Boolean>getAs("clean_acc_flagged") ? 1 : 0;
    }
    assertThat(flagged).as("the perturbed model's drops").isPositive();
  }

  /** The output without its first line (which says how the baseline was chosen). */
  private static String body(String out) {
    return out.substring(out.indexOf('\n') + 1);
  }

  private static Cli compare(String... args) {
    List<String> all = new ArrayList<>(List.of("compare", "--results", root.toString()));
    all.addAll(List.of(args));
    return execute(all);
  }

  private static Cli execute(List<String> args) {
    return Cli.run(args.toArray(String[]::new));
  }
}
