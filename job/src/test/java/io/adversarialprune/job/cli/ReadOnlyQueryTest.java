package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ReadOnlyQuery}: what it refuses, that nothing of a refused statement happened, and that
 * queries over temporary views (over files, as the results tables' are), catalog tables and Iceberg
 * tables still analyze.
 */
class ReadOnlyQueryTest {
  private static SparkSession spark;

  @TempDir static Path tmp;

  /** A file the session could read, were {@code text.`path`} allowed. */
  private static Path secret;

  @BeforeAll
  static void startSpark() throws Exception {
    spark =
        SparkSession.builder()
            .appName("ReadOnlyQueryTest")
            .master("local[1]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.warehouse.dir", tmp.resolve("warehouse").toString())
            .config("spark.sql.catalog.results", "org.apache.iceberg.spark.SparkCatalog")
            .config("spark.sql.catalog.results.type", "hadoop")
            .config("spark.sql.catalog.results.warehouse", tmp.resolve("iceberg").toString())
            .getOrCreate();
    secret = Files.writeString(tmp.resolve("secret.txt"), "s3cret\n");
    // metrics: a temporary view over parquet files, as the tests of earlier layouts made them.
    StructType schema =
        new StructType()
            .add("run", DataTypes.StringType)
            .add("eps", DataTypes.DoubleType)
            .add("acc", DataTypes.DoubleType);
    Dataset<Row> rows =
        spark.createDataFrame(
            List.of(
                RowFactory.create("a", 0.0, 0.9),
                RowFactory.create("a", 0.1, 0.5),
                RowFactory.create("b", 0.0, 0.8)),
            schema);
    rows.write().parquet(tmp.resolve("metrics").toString());
    spark.read().parquet(tmp.resolve("metrics").toString()).createOrReplaceTempView("metrics");
    // runs: a temporary view over rows in memory.
    spark
        .createDataFrame(
            List.of(RowFactory.create("a", "first"), RowFactory.create("b", "second")),
            new StructType().add("run", DataTypes.StringType).add("name", DataTypes.StringType))
        .createOrReplaceTempView("runs");
    // A table of the session catalog, in a database named like a data source.
    spark.sql("CREATE DATABASE parquet");
    rows.write().saveAsTable("parquet.kept");
    // An Iceberg table.
    rows.writeTo("results.db.metrics").create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static void assertRefused(String sql, String what) {
    assertThatThrownBy(() -> ReadOnlyQuery.analyze(spark, sql))
        .isInstanceOf(UserInputException.class)
        .hasMessageStartingWith("query is read-only: refused ")
        .hasMessageContaining(what)
        .hasNoCause();
  }

  private static long metricsRows() {
    return spark.table("metrics").count();
  }

  @Test
  void readingAFileByPathIsRefusedBeforeSparkLooksAtIt() {
    String path = secret.toString();
    assertRefused("SELECT * FROM text.`" + path + "`", "reading files directly: `text`.`" + path);
    assertThatThrownBy(() -> ReadOnlyQuery.analyze(spark, "SELECT * FROM text.`" + path + "`"))
        .message()
        .doesNotContain("s3cret");
    // A path that does not exist: analysis would fail on it (PATH_NOT_FOUND); the refusal comes
    // first.
    assertRefused("SELECT * FROM text.`" + tmp.resolve("missing") + "`", "reading files directly");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT * FROM parquet.`%m`",
        "SELECT * FROM `parquet`.`%m`",
        "SELECT * FROM PARQUET.`%m`",
        "SELECT * FROM csv.`%s`",
        "SELECT * FROM json.`%s`",
        "SELECT * FROM orc.`%s`",
        "SELECT * FROM binaryFile.`%s`",
        "SELECT * FROM `org.apache.spark.sql.execution.datasources.text.TextFileFormat`.`%s`",
        "SELECT * FROM text.`secret.txt`",
        "SELECT * FROM metrics m JOIN text.`%s` t ON m.run = t.value",
        "WITH c AS (SELECT * FROM text.`%s`) SELECT * FROM c",
        "SELECT * FROM metrics WHERE run IN (SELECT value FROM text.`%s`)",
        "SELECT (SELECT max(value) FROM text.`%s`)",
        "SELECT * FROM metrics WHERE EXISTS (SELECT 1 FROM text.`%s`)",
        "SELECT * FROM metrics, LATERAL (SELECT * FROM text.`%s`)",
        "SELECT * FROM text.`%s` VERSION AS OF 1",
        "FROM text.`%s` |> SELECT value",
      })
  void everyFormOfAFileByPathIsRefused(String template) {
    String sql =
        template.replace("%m", tmp.resolve("metrics").toString()).replace("%s", secret.toString());
    assertRefused(sql, "reading files directly");
  }

  @Test
  void insertOverwriteDirectoryIsRefusedAndTheDirectoryKeepsItsFile() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("target-dir"));
    Path kept = Files.writeString(dir.resolve("kept.txt"), "kept");
    assertRefused(
        "INSERT OVERWRITE DIRECTORY '" + dir + "' USING parquet SELECT 1",
        "INSERT OVERWRITE DIRECTORY (InsertIntoDir)");
    assertRefused(
        "INSERT OVERWRITE LOCAL DIRECTORY '" + dir + "' STORED AS TEXTFILE SELECT * FROM metrics",
        "INSERT OVERWRITE DIRECTORY");
    assertThat(kept).hasContent("kept");
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(kept);
    }
  }

  @Test
  void createTableAsSelectIsRefusedAndNothingIsCreated() {
    Path elsewhere = tmp.resolve("elsewhere");
    assertRefused(
        "CREATE TABLE t USING parquet LOCATION '" + elsewhere + "' AS SELECT 1 AS x",
        "CREATE TABLE AS SELECT (CreateTableAsSelect)");
    assertThat(elsewhere).doesNotExist();
    assertThat(spark.catalog().tableExists("t")).isFalse();
  }

  @Test
  void javaMethodCallsAreRefusedWhereverTheyAre() {
    String call = "('java.lang.System', 'setProperty', 'readonlyquerytest', 'called')";
    assertRefused("SELECT reflect" + call, "reflect(), which calls Java methods");
    assertRefused("SELECT java_method" + call, "java_method(), which calls Java methods");
    assertRefused("SELECT try_reflect" + call, "try_reflect()");
    assertRefused("SELECT ReFlEcT" + call, "ReFlEcT()");
    assertRefused("SELECT system.builtin.reflect" + call, "reflect()");
    assertRefused("SELECT * FROM metrics WHERE run IN (SELECT reflect" + call + ")", "reflect()");
    assertRefused("SELECT (SELECT java_method" + call + ")", "java_method()");
    assertRefused("WITH c AS (SELECT java_method" + call + " AS v) SELECT * FROM c", "java_method");
    assertRefused(
        "SELECT * FROM metrics WHERE EXISTS (SELECT upper(try_reflect" + call + "))",
        "try_reflect()");
    assertRefused("SELECT transform(array(1), x -> reflect" + call + ")", "reflect()");
    assertRefused("SELECT * FROM metrics LATERAL VIEW reflect" + call + " t AS v", "reflect()");
    // A name only known when analyzing is refused as such.
    assertRefused("SELECT IDENTIFIER('reflect')" + call, "IDENTIFIER(...)");
    assertThat(System.getProperty("readonlyquerytest")).isNull();
  }

  @Test
  void insertIntoTheViewIsRefusedAndItKeepsItsRows() {
    assertRefused("INSERT INTO metrics SELECT * FROM metrics", "INSERT (InsertIntoStatement)");
    assertRefused("INSERT OVERWRITE TABLE metrics SELECT * FROM metrics", "INSERT");
    assertRefused(
        "WITH c AS (SELECT * FROM metrics) INSERT INTO metrics SELECT * FROM c", "INSERT");
    assertRefused("FROM metrics INSERT INTO metrics SELECT *", "INSERT");
    assertThat(metricsRows()).isEqualTo(3);
  }

  @Test
  void sessionCommandsAreRefusedAndChangeNothing() {
    assertRefused("CACHE TABLE metrics", "CACHE TABLE (CacheTable)");
    assertRefused("CACHE LAZY TABLE c AS SELECT * FROM metrics", "CACHE TABLE");
    assertThat(spark.catalog().isCached("metrics")).isFalse();
    assertRefused("UNCACHE TABLE metrics", "UNCACHE TABLE");
    assertRefused("CLEAR CACHE", "CLEAR CACHE");

    assertRefused("SET spark.sql.x=1", "SET (SetCommand)");
    assertRefused("RESET", "RESET");
    assertThat(spark.conf().getOption("spark.sql.x").isEmpty()).isTrue();

    assertRefused("DROP VIEW metrics", "DROP VIEW (DropView)");
    assertRefused("DROP TABLE parquet.kept", "DROP TABLE");
    assertRefused("EXECUTE IMMEDIATE 'DROP VIEW metrics'", "EXECUTE IMMEDIATE");
    assertRefused("BEGIN DROP VIEW metrics; END", "a SQL script");
    assertThat(spark.catalog().tableExists("metrics")).isTrue();
    assertThat(spark.catalog().tableExists("parquet.kept")).isTrue();

    assertRefused("ADD JAR '/x.jar'", "ADD JAR");
    assertRefused("ADD FILE '/x.txt'", "ADD FILE");
    assertThat(scala.jdk.javaapi.CollectionConverters.asJava(spark.sparkContext().listJars()))
        .noneMatch(j -> j.contains("x.jar"));

    assertThat(metricsRows()).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "SELECT TRANSFORM(run) USING 'cat' AS (r) FROM metrics | TRANSFORM ... USING",
        "EXPLAIN SELECT 1 | EXPLAIN (ExplainCommand)",
        "SHOW TABLES | SHOW TABLES",
        "DESCRIBE metrics | DESCRIBE",
        "CREATE TEMPORARY VIEW v AS SELECT 1 | CREATE VIEW",
        "CREATE TEMPORARY VIEW v USING text OPTIONS (path '/etc') | CREATE TEMP VIEW USING",
        "CREATE TABLE u (x INT) USING parquet | CREATE TABLE",
        "DELETE FROM metrics WHERE eps = 0 | DELETE FROM TABLE",
        "UPDATE metrics SET acc = 0 | UPDATE TABLE",
        "MERGE INTO metrics USING runs ON true WHEN MATCHED THEN DELETE | MERGE INTO TABLE",
        "LOAD DATA LOCAL INPATH '/etc/hostname' INTO TABLE metrics | LOAD DATA",
        "REFRESH TABLE metrics | REFRESH TABLE",
        "DECLARE VARIABLE v INT DEFAULT 1 | DECLARE VARIABLE",
        "USE parquet | USE",
        "SELECT * FROM IDENTIFIER('metrics') | IDENTIFIER(...) as a table name",
        "SELECT * FROM python_worker_logs() | the table-valued function python_worker_logs()",
        "SELECT * FROM read_files('/etc') | the table-valued function read_files()",
        "SELECT * FROM metrics WITH ('path' = '/etc') | options on the relation `metrics`",
      })
  void otherCommandsAndNonQueriesAreRefused(String sql, String what) {
    assertRefused(sql, what);
    assertThat(metricsRows()).isEqualTo(3);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT * FROM metrics",
        "SELECT run, max(acc) AS best FROM metrics WHERE eps > 0 GROUP BY run HAVING count(*) > 0",
        "SELECT m.run, r.name, m.acc FROM metrics m JOIN runs r ON m.run = r.run ORDER BY m.acc",
        "SELECT * FROM metrics LEFT ANTI JOIN runs USING (run)",
        "WITH best AS (SELECT run, max(acc) AS acc FROM metrics GROUP BY run) SELECT * FROM best",
        "SELECT * FROM metrics WHERE acc > (SELECT avg(acc) FROM metrics)",
        "SELECT * FROM metrics WHERE run IN (SELECT run FROM runs) AND EXISTS (SELECT 1)",
        "SELECT * FROM (SELECT run, acc FROM metrics) t LIMIT 2 OFFSET 1",
        "SELECT * FROM metrics SORT BY acc LIMIT ALL",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM"
            + " r",
        "SELECT run, acc, rank() OVER (PARTITION BY run ORDER BY acc DESC) FROM metrics",
        "SELECT run, sum(acc) OVER w FROM metrics WINDOW w AS (PARTITION BY run)",
        "SELECT * FROM metrics PIVOT (max(acc) FOR eps IN (0.0, 0.1))",
        "SELECT * FROM metrics UNPIVOT (v FOR k IN (eps, acc))",
        "SELECT run FROM metrics UNION SELECT run FROM runs EXCEPT SELECT 'z'",
        "SELECT run, count(*) FROM metrics GROUP BY GROUPING SETS ((run), ())",
        "SELECT /*+ BROADCAST(r) */ * FROM metrics m JOIN runs r USING (run) DISTRIBUTE BY run",
        "SELECT * FROM metrics TABLESAMPLE (50 PERCENT)",
        "SELECT * FROM metrics LATERAL VIEW explode(array(1, 2)) t AS k",
        "SELECT * FROM metrics, LATERAL (SELECT acc * 2 AS twice)",
        "SELECT * FROM range(3)",
        "SELECT * FROM explode(array(1, 2))",
        "SELECT * FROM VALUES (1, 'a'), (2, 'b') AS t(k, v)",
        "VALUES (1, 2)",
        "TABLE metrics",
        "FROM metrics SELECT run",
        "FROM metrics |> WHERE acc > 0.5 |> AGGREGATE count(*) GROUP BY run",
        "SELECT 1/0",
        "SELECT * FROM parquet.kept",
        "SELECT * FROM spark_catalog.parquet.kept",
        "SELECT * FROM results.db.metrics WHERE acc > 0.5",
        "SELECT count(*) FROM results.db.metrics.snapshots",
        "SELECT * FROM results.db.metrics m JOIN runs r USING (run)",
      })
  void readOnlyQueriesAnalyze(String sql) throws Exception {
    Dataset<Row> df = ReadOnlyQuery.analyze(spark, sql);
    assertThat(df.queryExecution().analyzed().resolved()).isTrue();
  }

  @Test
  void theAnalyzedQueryCollects() throws Exception {
    assertThat(
            ReadOnlyQuery.analyze(
                    spark,
                    "SELECT r.name, max(m.acc) FROM metrics m JOIN runs r USING (run)"
                        + " GROUP BY r.name ORDER BY r.name")
                .collectAsList())
        .extracting(Row::toString)
        .containsExactly("[first,0.9]", "[second,0.8]");
    assertThat(
            ReadOnlyQuery.analyze(spark, "SELECT count(*) FROM results.db.metrics")
                .first()
                .getLong(0))
        .isEqualTo(3L);
    long snapshot =
        ReadOnlyQuery.analyze(spark, "SELECT snapshot_id FROM results.db.metrics.snapshots")
            .first()
            .getLong(0);
    assertThat(
            ReadOnlyQuery.analyze(
                    spark, "SELECT count(*) FROM results.db.metrics VERSION AS OF " + snapshot)
                .first()
                .getLong(0))
        .isEqualTo(3L);
  }

  @Test
  void theAnalyzedPlanIsCheckedToo() {
    // What the parsed-plan check cannot see (a file relation, a Java call) is refused once
    // analyzed, outside views.
    assertThatThrownBy(
            () ->
                ReadOnlyQuery.checkAnalyzed(
                    spark.read().text(secret.toString()).queryExecution().analyzed()))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("reading files directly: Text files at")
        .hasMessageContaining(secret.toString());
    assertThatThrownBy(
            () ->
                ReadOnlyQuery.checkAnalyzed(
                    spark
                        .sql("SELECT upper(java_method('java.lang.String', 'valueOf', 1))")
                        .queryExecution()
                        .analyzed()))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("which calls Java methods");
    // A view over files is not a file read by the query.
    ReadOnlyQuery.checkAnalyzed(spark.table("metrics").queryExecution().analyzed());
  }

  @Test
  void describeNamesTheStatementInWords() throws Exception {
    assertThat(
            ReadOnlyQuery.describe(spark.sessionState().sqlParser().parsePlan("ADD JAR '/x.jar'")))
        .isEqualTo("ADD JARS (AddJarsCommand)");
    assertThat(
            ReadOnlyQuery.describe(
                spark.sessionState().sqlParser().parsePlan("EXECUTE IMMEDIATE 'SELECT 1'")))
        .isEqualTo("EXECUTE IMMEDIATE (UnresolvedExecuteImmediate)");
  }

  @Test
  void badSqlIsSparksAnalysisException() {
    assertThatThrownBy(() -> ReadOnlyQuery.analyze(spark, "SELEC 1"))
        .isInstanceOf(org.apache.spark.sql.AnalysisException.class)
        .hasMessageContaining("PARSE_SYNTAX_ERROR");
    assertThatThrownBy(() -> ReadOnlyQuery.analyze(spark, "SELECT * FROM nope"))
        .isInstanceOf(org.apache.spark.sql.AnalysisException.class)
        .hasMessageContaining("TABLE_OR_VIEW_NOT_FOUND");
  }

  @Test
  void aFileWrittenByTheTestIsReadableOtherwise() throws Exception {
    // The refusals above are the check's, not a missing file's.
    assertThat(Files.readString(secret, StandardCharsets.UTF_8)).isEqualTo("s3cret\n");
    assertThat(spark.read().text(secret.toString()).count()).isEqualTo(1);
  }
}
