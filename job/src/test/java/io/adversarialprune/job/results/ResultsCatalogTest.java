package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.iceberg.Table;
import org.apache.iceberg.spark.Spark3Util;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results catalog on the embedded Iceberg Hadoop catalog, in a real local Spark session. */
class ResultsCatalogTest {
  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("ResultsCatalogTest")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static ResultsCatalog open(Path root) {
    return ResultsCatalog.open(
        spark, ResultsCatalog.EMBEDDED, ResultsCatalog.DEFAULT_NAMESPACE, root.toString());
  }

  /** A runs row of {@code runId}, in the runs table's column order. */
  private static Row run(String runId) {
    return RunsTable.row(
        "s",
        runId,
        RunsTable.SUCCEEDED,
        java.time.Instant.parse("2026-12-07T00:00:00Z"),
        null,
        java.util.Set.of(),
        "local[2]",
        "app",
        "hash",
        null);
  }

  @Test
  void everyTableIsCreatedPartitionedAndSortedAsDefinedWithItsProperties() throws Exception {
    ResultsCatalog catalog = open(tmp.resolve("created"));
    catalog.prepare();
    for (TableDef def : Tables.ALL) {
      Table t = Spark3Util.loadIcebergTable(spark, catalog.qualified(def.name()).replace("`", ""));
      assertThat(t.spec().fields().stream().map(f -> f.name()).toList())
          .as(def.name())
          .containsExactlyElementsOf(def.partitionBy());
      assertThat(((org.apache.iceberg.HasTableOperations) t).operations().current().formatVersion())
          .isEqualTo(2);
      assertThat(t.properties()).containsEntry("write.parquet.compression-codec", "zstd");
      assertThat(t.sortOrder().fields()).hasSize(def.sortBy().size());
    }
    assertThat(Tables.def("samples").partitionBy()).contains("config_id");
  }

  @Test
  void aRerunReplacesTheRunsRowsInsteadOfAppendingThem() throws Exception {
    ResultsCatalog catalog = open(tmp.resolve("replace"));
    catalog.prepare();
    for (int i = 0; i < 3; i++) {
      catalog.replaceRun(
          "runs", "s", "r1", spark.createDataFrame(List.of(run("r1")), RunsTable.SCHEMA));
    }
    catalog.replaceRunDirectly("runs", "s", "r2", List.of(run("r2")));
    catalog.replaceRunDirectly("runs", "s", "r2", List.of(run("r2")));
    assertThat(catalog.read("runs").count()).isEqualTo(2);
    assertThat(catalog.readRun("runs", "s", "r2")).hasSize(1);
  }

  @Test
  void aTableMadeByTheOlderSchemaGainsTheNewColumnWithoutARewrite() throws Exception {
    Path root = tmp.resolve("evolve");
    ResultsCatalog catalog = open(root);
    catalog.prepare();
    String name = catalog.qualified("runs");
    // The previous job's runs table: the same, less its last column.
    spark.sql("ALTER TABLE " + name + " DROP COLUMN config");
    catalog.replaceRun(
        "runs",
        "s",
        "old",
        spark.createDataFrame(
            List.of(RowFactory.create(java.util.Arrays.copyOf(rowValues(run("old")), 9))),
            new StructType(java.util.Arrays.copyOf(RunsTable.SCHEMA.fields(), 9))));
    Table before = Spark3Util.loadIcebergTable(spark, name.replace("`", ""));
    List<String> files = dataFiles(before);
    assertThat(before.schema().findField("config")).isNull();

    open(root).prepare(); // the next run's start

    Table after = Spark3Util.loadIcebergTable(spark, name.replace("`", ""));
    assertThat(after.schema().findField("config")).isNotNull();
    assertThat(dataFiles(after)).as("no file rewritten").isEqualTo(files);
    Row old = catalog.readRun("runs", "s", "old").get(0);
    assertThat(old.<String>getAs("config")).isNull();
    assertThat(old.<String>getAs("status")).isEqualTo(RunsTable.SUCCEEDED);
  }

  @Test
  void aMetricsTableWithoutTheAttacksIdentityGainsItWithoutARewriteAndOldRowsReadNull()
      throws Exception {
    Path root = tmp.resolve("evolve-metrics");
    ResultsCatalog catalog = open(root);
    catalog.prepare();
    String name = catalog.qualified("metrics");
    List<String> identity = List.of("norm", "eps", "steps", "queries", "gradient_free");
    // The metrics table of the job before the attack's identity had columns.
    spark.sql("ALTER TABLE " + name + " DROP COLUMNS (" + String.join(", ", identity) + ")");
    TableDef.RowBuilder old = Tables.METRICS.row();
    for (String c : MetricsTable.SCHEMA.fieldNames()) {
      old.set(
          c,
          switch (c) {
            case "sweep" -> "s";
            case "run_id" -> "old";
            case "level" -> MetricsTable.CONFIG;
            case "attack" -> "pgd";
            case "attack_type" -> "pgd-linf";
            case "remnant_acc" -> 0.25;
            default -> null;
          });
    }
    catalog.replaceRun(
        "metrics",
        "s",
        "old",
        spark
            .createDataFrame(List.of(old.build()), MetricsTable.SCHEMA)
            .drop(identity.toArray(String[]::new)));
    List<String> files = dataFiles(Spark3Util.loadIcebergTable(spark, name.replace("`", "")));

    open(root).prepare(); // the next run's start

    Table after = Spark3Util.loadIcebergTable(spark, name.replace("`", ""));
    for (String c : identity) {
      assertThat(after.schema().findField(c)).as(c).isNotNull();
    }
    assertThat(dataFiles(after)).as("no file rewritten").isEqualTo(files);
    Row read = Tables.METRICS.rowFrom(catalog.readRun("metrics", "s", "old").get(0));
    for (String c : identity) {
      assertThat(read.<Object>getAs(c)).as(c).isNull();
    }
    assertThat(read.<Double>getAs("remnant_acc")).isEqualTo(0.25);
  }

  private static Object[] rowValues(Row r) {
    Object[] v = new Object[r.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.get(i);
    }
    return v;
  }

  private static List<String> dataFiles(Table t) throws java.io.IOException {
    List<String> out = new ArrayList<>();
    try (var tasks = t.newScan().planFiles()) {
      tasks.forEach(task -> out.add(task.file().location()));
    }
    out.sort(null);
    return out;
  }

  @Test
  void aTableOfOurNameWithAnotherSchemaIsRefusedNamingTableAndColumn() {
    ResultsCatalog catalog = open(tmp.resolve("foreign"));
    spark.sql("CREATE NAMESPACE IF NOT EXISTS results.adversarial_prune");
    spark.sql(
        "CREATE TABLE results.adversarial_prune.metrics (sweep STRING, run_id STRING,"
            + " clean_acc STRING) USING iceberg");
    assertThatThrownBy(catalog::prepare)
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("table results.adversarial_prune.metrics was not made by this job")
        .hasMessageContaining("column clean_acc is string, expected double");
  }

  @Test
  void anUnknownCatalogIsRefusedNamingItsSetting() {
    assertThatThrownBy(
            () ->
                ResultsCatalog.open(
                    spark, "nosuch", ResultsCatalog.DEFAULT_NAMESPACE, tmp.toString()))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("unknown catalog 'nosuch'")
        .hasMessageContaining("spark.sql.catalog.nosuch");
  }

  @Test
  void concurrentCommitsOfDifferentRunsAllLand() throws Exception {
    ResultsCatalog catalog = open(tmp.resolve("concurrent"));
    catalog.prepare();
    int writers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        String runId = "r" + i;
        Callable<Void> write =
            () -> {
              catalog.replaceRunDirectly("runs", "s", runId, List.of(run(runId)));
              return null;
            };
        done.add(pool.submit(write));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    assertThat(catalog.read("runs").select("run_id").distinct().count()).isEqualTo(writers);
    assertThat(catalog.read("runs").count()).isEqualTo(writers);
  }
}
