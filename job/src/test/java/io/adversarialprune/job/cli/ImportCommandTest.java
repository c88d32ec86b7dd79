package io.adversarialprune.job.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Cli;
import io.adversarialprune.job.results.LegacyImport;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.TableDef;
import io.adversarialprune.job.results.Tables;
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

  private static Cli cli(String... args) {
    return Cli.run(args);
  }

  /** The old root's rows of a table, sorted, as strings: the baseline by today's name. */
  private static List<String> legacyRows(TableDef def) {
    return sorted(
        LegacyImport.baselineRenamed(
            spark
                .read()
                .schema(def.schema())
                .option("recursiveFileLookup", "true")
                .parquet(LEGACY.resolve(def.name()).toString())));
  }

  private static List<String> sorted(Dataset<Row> df) {
    return df.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  @Test
  void everyRunOfAnOldRootLandsInTheCatalogRowForRowAndAgainWithoutDoubling() {
    Path root = tmp.resolve("imported");
    Cli first = cli("import", "--from", LEGACY.toString(), "--results", root.toString());
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("imported sweep legacy run n1 (SUCCEEDED): samples 16 metrics 4")
        .contains("2 runs imported from " + LEGACY);
    Cli again = cli("import", "--from", LEGACY.toString(), "--results", root.toString());
    assertThat(again.code()).as(again.err()).isZero();

    ResultsCatalog catalog =
        ResultsCatalog.open(
            spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root.toString());
    for (TableDef def : Tables.ALL) {
      List<String> old = legacyRows(def);
      assertThat(old).as(def.name()).isNotEmpty();
      assertThat(sorted(catalog.read(def.name()))).as(def.name()).isEqualTo(old);
    }
    // the old layout's baseline, "none" with no value, is today's "baseline" at value 0
    assertThat(catalog.read(Tables.METRICS.name()).where("config_id = 'none'").count()).isZero();
    assertThat(
            catalog
                .read(Tables.SAMPLES.name())
                .where("config_id = 'baseline' AND prune = 'baseline' AND prune_type = 'baseline'")
                .where("prune_value = 0")
                .count())
        .isEqualTo(16);
    assertThat(Files.exists(LEGACY.resolve("adversarial_prune")))
        .as("old root only read")
        .isFalse();

    // The imported nights read as any other: the report compares n2 with n1.
    Path html = tmp.resolve("imported.html");
    Cli report = cli("report", "--results", root.toString(), "--out", html.toString());
    assertThat(report.code()).as(report.err()).isZero();
    assertThat(report.out()).contains("run n2");
  }

  @Test
  void aRootWithoutTheOldLayoutExitsTwoNamingIt() throws Exception {
    Path notOld = Files.createDirectories(tmp.resolve("not-old"));
    Cli r = cli("import", "--from", notOld.toString(), "--results", tmp.resolve("x").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--from " + notOld + " holds no runs table of the old layout");
    assertThat(tmp.resolve("x")).doesNotExist();
  }
}
