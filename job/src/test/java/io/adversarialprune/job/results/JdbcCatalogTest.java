package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.ChildJvm;
import io.adversarialprune.job.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results tables in a shared catalog, as a team runs one: Iceberg's JDBC catalog on a real
 * PostgreSQL server that the test starts on loopback ({@link PostgresServer}), configured with the
 * usual {@code spark.sql.catalog.NAME.*} settings and named by {@code sweep.results.catalog}.
 */
class JdbcCatalogTest {
  private static SparkSession spark;
  private static PostgresServer server;

  @TempDir static Path tmp;

  /** The server's own directory: {@link PostgresServer} opens it to its unprivileged user. */
  @TempDir static Path postgres;

  /** A sweep of one unit: 8 images, one shard, one PGD step, the baseline only. */
  private static final String[] TINY = {
    "sweep.data.limit=8",
    "sweep.data.shards=1",
    "sweep.attack.steps=1",
    "sweep.attack.batch-size=8",
    "sweep.grid.E=[]",
    "sweep.grid.S=[]",
    "sweep.grid.R=[]"
  };

  @BeforeAll
  static void start() throws Exception {
    server = PostgresServer.start(postgres);
    SparkSession.Builder b =
        SparkSession.builder()
            .master("local[2]")
            .appName("JdbcCatalogTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2");
    catalogSettings("shared", server.user()).forEach(b::config);
    catalogSettings("down", server.user())
        .forEach((k, v) -> b.config(k, v.replace(":" + server.port() + "/", ":1/")));
    catalogSettings("readonly", "reader").forEach(b::config);
    spark = b.getOrCreate();
  }

  @AfterAll
  static void stop() throws IOException {
    if (spark != null) {
      spark.stop();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The settings of an Iceberg JDBC catalog on the test's server, as spark-submit --conf takes. */
  private static Map<String, String> catalogSettings(String name, String user) {
    String p = "spark.sql.catalog." + name;
    Map<String, String> m = new TreeMap<>();
    m.put(p, "org.apache.iceberg.spark.SparkCatalog");
    m.put(p + ".type", "jdbc");
    m.put(p + ".uri", server.jdbcUrl());
    m.put(p + ".jdbc.user", user);
    m.put(p + ".jdbc.password", server.password());
    m.put(p + ".warehouse", tmp.resolve("warehouse").toUri().toString());
    // Another driver's commit is seen at once, not after the table cache's 30 s.
    m.put(p + ".cache-enabled", "false");
    return m;
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  private static List<String> run(Path results, String runId, String catalog) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                "--results",
                results.toString(),
                "--run-id",
                runId,
                "--set",
                "sweep.name=shared",
                "--set",
                "sweep.results.catalog=" + catalog));
    for (String set : TINY) {
      args.add("--set");
      args.add(set);
    }
    return args;
  }

  /** The Iceberg tables PostgreSQL holds, as {@code namespace.table}. */
  private static List<String> tablesInPostgres() throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c =
            DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT table_namespace, table_name FROM iceberg_tables ORDER BY 1, 2")) {
      while (rs.next()) {
        out.add(rs.getString(1) + "." + rs.getString(2));
      }
    }
    return out;
  }

  @Test
  void aRunWritesItsTablesIntoTheSharedCatalogAndQueryReadsThemFromThere() throws Exception {
    Path results = tmp.resolve("work");
    Cli run = cli(run(results, "n1", "shared").toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(tablesInPostgres())
        .containsExactlyInAnyOrder(
            "adversarial_prune.samples",
            "adversarial_prune.metrics",
            "adversarial_prune.prune_stats",
            "adversarial_prune.runs",
            "adversarial_prune.engine_checks",
            "adversarial_prune.layers");
    // The results root keeps no table: only the catalog's warehouse does.
    assertThat(results.resolve(ResultsCatalog.DEFAULT_NAMESPACE)).doesNotExist();

    Cli q =
        cli(
            "query",
            "--results",
            results.toString(),
            "--catalog",
            "shared",
            "SELECT status, (SELECT count(*) FROM samples) AS samples FROM runs");
    assertThat(q.code()).as(q.err()).isZero();
    assertThat(q.out()).contains("SUCCEEDED", "| 8 ", "1 row");
    assertThat(
            spark.sql("SELECT count(*) FROM shared.adversarial_prune.samples").first().getLong(0))
        .isEqualTo(8);
  }

  @Test
  void twoDriversWritingDifferentRunsAtOnceBothLand() throws Exception {
    assertTwoDriversLand(tmp.resolve("two-drivers"), "shared");
  }

  @Test
  void twoDriversWritingDifferentRunsIntoOneEmbeddedCatalogBothLand() throws Exception {
    // The Hadoop catalog in a local results root: its commits rename metadata files, which a
    // local disk lets overwrite; JvmLockManager's file lock serializes the two processes.
    assertTwoDriversLand(tmp.resolve("two-drivers-embedded"), ResultsCatalog.EMBEDDED);
  }

  private static void assertTwoDriversLand(Path results, String catalog) throws Exception {
    List<Process> drivers = new ArrayList<>();
    List<Path> logs = new ArrayList<>();
    for (String runId : List.of("a", "b")) {
      Path log = tmp.resolve("driver-" + runId + ".log");
      logs.add(log);
      drivers.add(
          new ProcessBuilder(childJvm(run(results, runId, catalog)))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start());
    }
    for (int i = 0; i < drivers.size(); i++) {
      Process p = drivers.get(i);
      try {
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("driver %d within 240 s", i).isTrue();
        assertThat(p.exitValue()).as(Files.readString(logs.get(i))).isZero();
      } finally {
        p.destroyForcibly();
      }
    }
    assertThat(
            spark
                .sql(
                    "SELECT run_id, status FROM "
                        + table(results, catalog, "runs")
                        + " WHERE sweep = 'shared' AND run_id IN ('a', 'b') ORDER BY run_id")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0) + "=" + r.getString(1)))
        .containsExactly("a=SUCCEEDED", "b=SUCCEEDED");
    assertThat(
            spark
                .sql(
                    "SELECT run_id, count(*), count(DISTINCT id) FROM "
                        + table(results, catalog, "samples")
                        + " WHERE run_id IN ('a', 'b') GROUP BY run_id ORDER BY run_id")
                .collectAsList()
                .stream()
                .map(r -> r.getString(0) + ":" + r.getLong(1) + "/" + r.getLong(2)))
        .containsExactly("a:8/8", "b:8/8");
  }

  /**
   * The qualified name of a results table of {@code catalog} (the embedded one: of {@code root}).
   */
  private static String table(Path root, String catalog, String table) {
    return ResultsCatalog.open(spark, catalog, ResultsCatalog.DEFAULT_NAMESPACE, root.toString())
        .qualified(table);
  }

  /** A {@code Main} in a JVM of its own with the shared catalog's settings as system properties. */
  private static List<String> childJvm(List<String> args) {
    List<String> properties = new ArrayList<>();
    catalogSettings("shared", server.user()).forEach((k, v) -> properties.add("-D" + k + "=" + v));
    return ChildJvm.command(properties, args);
  }

  @Test
  void anUnreachableCatalogExitsTwoNamingItAndWritesNothing() {
    Path results = tmp.resolve("unreachable");
    Cli run = cli(run(results, "x", "down").toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains("catalog 'down' cannot be reached");
    assertThat(results).doesNotExist();
  }

  @Test
  void aCatalogThatDoesNotLetTheUserWriteExitsTwoNamingItAndRecordsNothing() throws Exception {
    // This user may read the catalog's tables in PostgreSQL, and write none.
    try (Connection c =
            DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password());
        Statement s = c.createStatement()) {
      s.execute(
          "DO $$ BEGIN CREATE ROLE reader LOGIN; EXCEPTION WHEN duplicate_object THEN END $$");
      s.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");
    }
    long before = spark.sql("SELECT * FROM shared.adversarial_prune.runs").count();
    Path results = tmp.resolve("read-only");
    Cli run = cli(run(results, "ro", "readonly").toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err())
        .contains("catalog 'readonly' refused to create the namespace", "permission denied");
    assertThat(spark.sql("SELECT * FROM shared.adversarial_prune.runs").count()).isEqualTo(before);
    assertThat(results.resolve(ResultsLayout.LEASES)).doesNotExist();
    assertThat(results.resolve(ResultsLayout.STAGING)).doesNotExist();
    String log = Files.readString(postgres.resolve("postgres.log"), UTF8);
    assertThat(log).contains("permission denied");
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
}
