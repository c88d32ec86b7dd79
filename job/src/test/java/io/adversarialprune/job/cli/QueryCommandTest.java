package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Cli;
import io.adversarialprune.job.Main;
import io.adversarialprune.job.executor.TempDirs;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsFixtures;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code query} from the command line on real results roots, in a session {@link Spark} makes. */
class QueryCommandTest {
  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        Spark.builder("QueryCommandTest")
            .master("local[1]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static Cli query(Path root, String sql) {
    return Cli.run("query", "--results", root.toString(), sql);
  }

  @Test
  void sparksScratchSpaceIsUnderTheJobsTempParentNamedWithThisProcess() {
    // So that what a killed driver leaves there is reclaimed by the next start (TempDirs).
    Path dir = Path.of(spark.sparkContext().getConf().get("spark.local.dir"));
    assertThat(dir).isEqualTo(TempDirs.parent().resolve(TempDirs.name("spark"))).isDirectory();
  }

  @Test
  void aRootThatDoesNotExistOrHoldsNoResultsSaysSo() throws Exception {
    Cli missing = query(tmp.resolve("missing"), "SELECT * FROM samples");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err())
        .contains("results root " + tmp.resolve("missing") + " does not exist");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Cli none = query(empty, "SELECT * FROM samples");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("results root " + empty + " has no results");
  }

  @Test
  void aRunKilledAfterRunningLeavesTablesWhereOnlyRunsHasARowAndQueryAndReportWork()
      throws Exception {
    // What a run killed before its first commit of results leaves in a fresh root: every table
    // created, and only the runs row written.
    Path root = tmp.resolve("killed-while-running");
    ResultsFixtures.write(
        spark,
        root.toString(),
        Tables.RUNS.name(),
        java.util.List.of(
            RunsTable.row(
                "s",
                "r",
                RunsTable.RUNNING,
                java.time.Instant.parse("2026-01-31T02:00:00Z"),
                null,
                java.util.Set.of(),
                "local[1]",
                "app-1",
                "hash",
                null)));
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    assertThat(Tables.NAMES).allMatch(catalog::exists);

    Cli runs = query(root, "SELECT status FROM runs");
    assertThat(runs.code()).as(runs.err()).isZero();
    assertThat(runs.out()).contains("RUNNING", "1 row");
    Cli metrics = query(root, "SELECT count(*) AS n, max(strict_asr) FROM metrics");
    assertThat(metrics.code()).as(metrics.err()).isZero();
    assertThat(metrics.out()).contains("| 0 ");
    Cli samples = query(root, "SELECT count(*) FROM samples JOIN engine_checks USING (run_id)");
    assertThat(samples.code()).as(samples.err()).isZero();

    Path html = tmp.resolve("killed-while-running.html");
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("report", "--results", root.toString(), "--out", html.toString());
    assertThat(code).as(err.toString()).isZero();
    assertThat(Files.readString(html)).contains("has status RUNNING", "has no metrics rows");
  }

  @Test
  void anUnknownTableIsAnErrorThatListsTheTablesAndLeavesNoWarehouseBehind() throws Exception {
    // A namespace holding only a runs table (not the job's: three columns of it).
    Path root = tmp.resolve("runs-only");
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    spark.sql("CREATE NAMESPACE " + catalog.catalog() + "." + catalog.namespace());
    spark.sql(
        "CREATE TABLE "
            + catalog.qualified(Tables.RUNS.name())
            + " USING iceberg AS SELECT 's' AS sweep, 'r' AS run_id, 'FAILED' AS status");
    Path cwdWarehouse = Path.of(System.getProperty("user.dir"), "spark-warehouse");
    boolean existedBefore = Files.exists(cwdWarehouse);

    Cli ok = query(root, "SELECT status FROM runs");
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("FAILED", "1 row");

    Cli unknown = query(root, "SELECT * FROM samples");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err())
        .contains("`samples`", "the names a query can use: runs")
        .doesNotContain("can use: runs,");
    // Spark made its warehouse directory to look the table up: not in the current directory.
    String warehouse = spark.conf().get("spark.sql.warehouse.dir");
    assertThat(warehouse).doesNotContain(System.getProperty("user.dir"));
    assertThat(Files.exists(cwdWarehouse)).isEqualTo(existedBefore);
  }

  /** A root with one SUCCEEDED run's metrics row, for the query-only tests below. */
  private static Path metricsRoot(String name) {
    Path root = tmp.resolve(name);
    writeRun(root, "s", "r", RunsTable.SUCCEEDED, "2026-01-31T02:00:00Z");
    return root;
  }

  /** A runs row and one config-level metrics row of run {@code runId}. */
  private static void writeRun(Path root, String sweep, String runId, String status, String at) {
    ResultsFixtures.write(
        spark,
        root.toString(),
        Tables.RUNS.name(),
        java.util.List.of(
            RunsTable.row(
                sweep,
                runId,
                status,
                java.time.Instant.parse(at),
                null,
                java.util.Set.of(),
                "local[1]",
                "app-1",
                "hash",
                null)));
    Object[] v = new Object[MetricsTable.SCHEMA.size()];
    v[MetricsTable.SCHEMA.fieldIndex("sweep")] = sweep;
    v[MetricsTable.SCHEMA.fieldIndex("run_id")] = runId;
    v[MetricsTable.SCHEMA.fieldIndex("level")] = "config";
    v[MetricsTable.SCHEMA.fieldIndex("clean_acc")] = 0.5;
    ResultsFixtures.write(
        spark,
        root.toString(),
        Tables.METRICS.name(),
        java.util.List.of(org.apache.spark.sql.RowFactory.create(v)));
  }

  @Test
  void plainNamesHoldSucceededRunsLatestViewsEachSweepsLatestAndQualifiedNamesEverything() {
    Path root = tmp.resolve("views");
    writeRun(root, "a", "r1", RunsTable.SUCCEEDED, "2026-01-01T02:00:00Z");
    writeRun(root, "a", "r2", RunsTable.SUCCEEDED, "2026-01-02T02:00:00Z");
    // a run that died between its commits: its metrics visible in the table, its row RUNNING
    writeRun(root, "a", "r3", RunsTable.RUNNING, "2026-01-03T02:00:00Z");
    writeRun(root, "b", "r1", RunsTable.SUCCEEDED, "2026-01-01T03:00:00Z");
    writeRun(root, "b", "r2", RunsTable.FAILED, "2026-01-02T03:00:00Z");
    String runsOf = " GROUP BY sweep, run_id ORDER BY sweep, run_id";

    Cli plain = query(root, "SELECT sweep, run_id, count(*) AS n FROM metrics" + runsOf);
    Cli latest = query(root, "SELECT sweep, run_id FROM latest_metrics" + runsOf);
    Cli table = query(root, "SELECT sweep, run_id FROM results.adversarial_prune.metrics" + runsOf);
    Cli runs = query(root, "SELECT count(*) FROM runs");

    assertThat(plain.code()).as(plain.err()).isZero();
    assertThat(plain.out()).contains("| a     | r1 ", "| a     | r2 ", "| b     | r1 ", "3 rows");
    assertThat(latest.out()).contains("| a     | r2 ", "| b     | r1 ", "2 rows");
    assertThat(table.out()).contains("| a     | r3 ", "| b     | r2 ", "5 rows");
    assertThat(runs.out()).contains("| 5 ");
  }

  @Test
  void aLimitThatCutsTheResultSaysSo() {
    String root = metricsRoot("limit").toString();
    String twoRows = "SELECT * FROM VALUES (1), (2) AS t(x)";

    Cli cut = run("query", "--results", root, "--limit", "1", twoRows);
    Cli whole = run("query", "--results", root, "--limit", "2", twoRows);
    Cli csv = run("query", "--results", root, "--format", "csv", "--limit", "1", twoRows);

    assertThat(cut.code()).as(cut.err()).isZero();
    assertThat(cut.out())
        .contains("1 row\n", "more rows exist: the first 1 are shown (raise --limit)");
    assertThat(whole.out()).contains("2 rows\n").doesNotContain("more rows exist");
    // the CSV stays a CSV; the notice goes to stderr
    assertThat(csv.out()).isEqualTo("x\n1\n");
    assertThat(csv.err()).contains("more rows exist: the first 1 are shown");
  }

  private static Cli run(String... args) {
    return Cli.run(args);
  }

  @Test
  void aWriteThroughQueryIsRefusedAndTheTableKeepsItsRows() {
    Path root = metricsRoot("refused-write");
    Cli insert = query(root, "INSERT INTO metrics SELECT * FROM metrics");
    assertThat(insert.code()).isEqualTo(2);
    assertThat(insert.err()).startsWith("error: query is read-only: refused");
    assertThat(query(root, "SELECT count(*) FROM metrics").out()).contains("| 1 ");
    Cli reflect = query(root, "SELECT reflect('java.lang.System', 'exit', 3)");
    assertThat(reflect.code()).isEqualTo(2);
    assertThat(reflect.err()).contains("reflect(), which calls Java methods");
  }

  @Test
  void aNegativeLimitIsAUsageError() {
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    int code =
        cli.execute(
            "query", "--results", metricsRoot("limit").toString(), "--limit", "-1", "SELECT 1");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .contains("--limit must be at least 0, got -1")
        .doesNotContain("\tat ");
  }

  @Test
  void aQueryThatFailsAsItRunsSaysSoInOneLineWithSparksCondition() {
    Path root = metricsRoot("runtime-error");
    Cli zero = query(root, "SELECT 1 / (count(*) - count(*)) FROM metrics");
    assertThat(zero.code()).isEqualTo(2);
    assertThat(zero.err().strip().lines()).hasSize(1);
    assertThat(zero.err()).contains("query failed:", "DIVIDE_BY_ZERO");
    Cli raise = query(root, "SELECT raise_error('stop here') FROM metrics");
    assertThat(raise.code()).isEqualTo(2);
    assertThat(raise.err().strip().lines()).hasSize(1);
    assertThat(raise.err()).contains("stop here");
  }

  @Test
  void aReportOutThatIsADirectoryIsRefusedAndLeavesNothingBeside() throws Exception {
    Path root = metricsRoot("report-dir");
    Path dir = Files.createDirectories(tmp.resolve("report-dir-out"));
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute("report", "--results", root.toString(), "--out", dir.toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--out " + dir + " is a directory");
    try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
  }
}
