package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Main;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.TableDef;
import io.adversarialprune.job.results.Tables;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import} of a root that the job wrote before the catalog ({@code fixtures/legacy-root},
 * made by {@code fixtures/make-legacy-root.sh} at commit 18d5d75: two runs, six tables).
 */
class ImportCommandTest {
  private static final Path LEGACY =
      Path.of("src/test/resources/fixtures/legacy-root").toAbsolutePath();

  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        Spark.builder("ImportCommandTest")
            .master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private record Result(int code, String out, String err) {}

  private static Result cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** The old root's rows of a table, sorted, as strings. */
  private static List<String> legacyRows(TableDef def) {
    return sorted(
        spark
            .read()
            .schema(def.schema())
            .option("recursiveFileLookup", "true")
            .parquet(LEGACY.resolve(def.name()).toString()));
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  @Test
  void everyRunOfAnOldRootLandsInTheCatalogRowForRowAndAgainWithoutDoubling() {
    Path root = tmp.resolve("imported");
    Result first = cli("import", "--from", LEGACY.toString(), "--results", root.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("imported sweep legacy run n1 (SUCCEEDED): samples 16 metrics 4")
        .contains("2 runs imported from " + LEGACY);
    Result again = cli("import", "--from", LEGACY.toString(), "--results", root.toString());
    assertThat(again.code()).as(again.err()).isZero();

    ResultsCatalog catalog =
        ResultsCatalog.open(
            spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root.toString());
    for (TableDef def : Tables.ALL) {
      List<String> old = legacyRows(def);
      assertThat(old).as(def.name()).isNotEmpty();
      assertThat(sorted(catalog.read(def.name()))).as(def.name()).isEqualTo(old);
    }
    assertThat(Files.exists(LEGACY.resolve("adversarial_prune")))
        .as("old root only read")
        .isFalse();

    // The imported nights read as any other: the report compares n2 with n1.
    Path html = tmp.resolve("imported.html");
    Result report = cli("report", "--results", root.toString(), "--out", html.toString());
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).contains("run n2");
  }

  @Test
  void aRootWithoutTheOldLayoutExitsTwoNamingIt() throws Exception {
    Path notOld = Files.createDirectories(tmp.resolve("not-old"));
    Result r = cli("import", "--from", notOld.toString(), "--results", tmp.resolve("x").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--from " + notOld + " holds no runs table of the old layout");
    assertThat(tmp.resolve("x")).doesNotExist();
  }
}
