package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code maintain} on roots holding the two runs of {@code fixtures/legacy-root} (sweep {@code
 * legacy}, runs {@code n1} and {@code n2}, every table), imported into the embedded catalog.
 */
class MaintenanceTest {
  private static final Path LEGACY =
      Path.of("src/test/resources/fixtures/legacy-root").toAbsolutePath();
  private static final String SWEEP = "legacy";

  private static SparkSession spark;

  @TempDir static Path tmp;

  @BeforeAll
  static void startSpark() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("MaintenanceTest")
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

  private static Cli cli(String... args) {
    return Cli.run(args);
  }

  /** A root holding the legacy fixture's two runs. */
  private static Path imported(String name) throws Exception {
    Path root = tmp.resolve(name);
    new LegacyImport(spark, ResultsFixtures.open(spark, root.toString()))
        .importRoot(LEGACY.toString());
    return root;
  }

  private static Maintenance.Summary maintain(Path root, Maintenance.Options options)
      throws Exception {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    return new Maintenance(spark, catalog, new ResultsLayout(root.toString())).run(options);
  }

  /**
   * Rewrites run {@code runId}'s rows of {@code table} as one file per row, one commit each, as
   * many small writes would leave them.
   */
  private static void oneFilePerRow(Path root, String table, String runId) {
    List<Row> rows = ResultsFixtures.rows(spark, root.toString(), table, SWEEP, runId);
    assertThat(rows).as(table).hasSizeGreaterThan(1);
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    StructType schema = Tables.def(table).schema();
    catalog.replaceRun(table, SWEEP, runId, spark.createDataFrame(rows.subList(0, 1), schema));
    for (Row r : rows.subList(1, rows.size())) {
      try {
        spark.createDataFrame(List.of(r), schema).writeTo(catalog.qualified(table)).append();
      } catch (org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Every table's rows, sorted, hashed. */
  private static Map<String, String> hashes(Path root) throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    for (String table : Tables.NAMES) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      List<String> rows =
          ResultsFixtures.rows(spark, root.toString(), table, null, null).stream()
              .map(Row::toString)
              .sorted()
              .toList();
      for (String r : rows) {
        sha.update((r + "\n").getBytes(StandardCharsets.UTF_8));
      }
      out.put(table, rows.size() + " rows " + HexFormat.of().formatHex(sha.digest()));
    }
    return out;
  }

  private static long metadataRows(Path root, String table, String metadataTable) {
    ResultsCatalog catalog = ResultsFixtures.open(spark, root.toString());
    return spark.table(catalog.qualified(table) + "." + metadataTable).count();
  }

  private static long parquetFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".parquet")).count();
    }
  }

  @Test
  void maintainingKeepsEveryRowWhileCompactingFilesAndExpiringSnapshots() throws Exception {
    Path root = imported("compact");
    oneFilePerRow(root, "metrics", "n1");
    oneFilePerRow(root, "samples", "n1");
    Path metricsData = root.resolve("adversarial_prune/metrics/data");
    long metricsFiles = metadataRows(root, "metrics", "files");
    long metricsOnDisk = parquetFiles(metricsData);
    assertThat(metricsFiles).isEqualTo(5); // n1: 4 rows in 4 files; n2: 1 file
    long samplesFiles = metadataRows(root, "samples", "files");
    assertThat(metadataRows(root, "metrics", "snapshots")).isGreaterThan(1);
    Map<String, String> before = hashes(root);

    Cli r = cli("maintain", "--results", root.toString(), "--older-than", "0s");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(hashes(root)).isEqualTo(before);
    assertThat(r.out()).contains("metrics: data files 5 -> 2, snapshots expired ");
    assertThat(metadataRows(root, "metrics", "files")).isEqualTo(2); // one per run
    assertThat(metadataRows(root, "samples", "files")).isLessThan(samplesFiles);
    for (String table : Tables.NAMES) {
      assertThat(metadataRows(root, table, "snapshots")).as(table).isEqualTo(1);
    }
    // The small files the compaction replaced went with the expired snapshots.
    assertThat(parquetFiles(metricsData)).isEqualTo(2).isLessThan(metricsOnDisk);
    System.out.println("maintain --older-than 0s:\n" + r.out());
  }

  @Test
  void anOrphanFileOlderThanADayIsRemovedAndAFreshOneKept() throws Exception {
    Path root = imported("orphans");
    Path data = root.resolve("adversarial_prune/metrics/data");
    Path file;
    try (Stream<Path> files = Files.walk(data)) {
      file = files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path old = Files.copy(file, file.resolveSibling("old-orphan.parquet"));
    // Every file of the table two days old, the commit lock and the version hint included: only
    // what no snapshot references may go.
    Path table = root.resolve("adversarial_prune/metrics");
    Path lock = table.resolve("metadata/.commit.lock");
    Path hint = table.resolve("metadata/version-hint.text");
    assertThat(lock).exists();
    assertThat(hint).exists();
    FileTime twoDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
    try (Stream<Path> files = Files.walk(table)) {
      for (Path p : files.toList()) {
        Files.setLastModifiedTime(p, twoDaysAgo);
      }
    }
    Path fresh = Files.copy(file, file.resolveSibling("fresh-orphan.parquet"));
    Map<String, String> before = hashes(root);

    // --older-than 0s all the same: the day's floor keeps the fresh one.
    Maintenance.Summary summary = maintain(root, new Maintenance.Options(Duration.ZERO, null));

    assertThat(old).doesNotExist();
    assertThat(fresh).exists();
    assertThat(file).exists();
    assertThat(lock).exists();
    assertThat(hint).exists();
    assertThat(summary.tables())
        .filteredOn(t -> t.table().equals("metrics"))
        .singleElement()
        .extracting(Maintenance.TableSummary::orphanFilesRemoved)
        .isEqualTo(1L);
    assertThat(hashes(root)).isEqualTo(before);
  }

  @Test
  void deletingRunsOlderThanTheRetentionRemovesExactlyTheirRowsFromEveryTable() throws Exception {
    Path root = imported("retention");
    Instant now = Instant.now();
    List<Row> runs = ResultsFixtures.rows(spark, root.toString(), "runs", SWEEP, null);
    int startedAt = RunsTable.SCHEMA.fieldIndex("started_at");
    List<Row> moved =
        runs.stream()
            .map(
                r -> {
                  Object[] v = new Object[r.size()];
                  for (int i = 0; i < v.length; i++) {
                    v[i] = r.get(i);
                  }
                  Duration age =
                      r.getString(1).equals("n1") ? Duration.ofDays(10) : Duration.ofHours(1);
                  v[startedAt] = Timestamp.from(now.minus(age));
                  return RowFactory.create(v);
                })
            .toList();
    ResultsFixtures.write(spark, root.toString(), "runs", moved);
    Map<String, List<String>> kept = new LinkedHashMap<>();
    for (String table : Tables.NAMES) {
      assertThat(ResultsFixtures.rows(spark, root.toString(), table, SWEEP, "n1"))
          .as(table)
          .isNotEmpty();
      kept.put(table, sorted(ResultsFixtures.rows(spark, root.toString(), table, SWEEP, "n2")));
      assertThat(kept.get(table)).as(table).isNotEmpty();
    }

    Maintenance.Summary summary =
        maintain(root, new Maintenance.Options(Duration.ofDays(30), Duration.ofDays(5)));

    assertThat(summary.runsDeleted()).containsExactly(new Maintenance.RunRef(SWEEP, "n1"));
    for (String table : Tables.NAMES) {
      assertThat(ResultsFixtures.rows(spark, root.toString(), table, SWEEP, "n1"))
          .as(table)
          .isEmpty();
      assertThat(sorted(ResultsFixtures.rows(spark, root.toString(), table, SWEEP, "n2")))
          .as(table)
          .isEqualTo(kept.get(table));
    }
  }

  private static List<String> sorted(List<Row> rows) {
    return rows.stream().map(Row::toString).sorted().toList();
  }

  @Test
  void aKilledRunsUnitsAreRemovedOnceADayOldUnlessItsLeaseIsRenewed() throws Exception {
    Path root = imported("units");
    List<Row> samples = ResultsFixtures.rows(spark, root.toString(), "samples", SWEEP, "n1");
    for (String run : List.of("killed", "fresh", "running")) {
      ResultsFixtures.writeUnits(spark, root.toString(), SWEEP, run, samples);
    }
    FileTime twoDaysAgo = FileTime.from(Instant.now().minus(Duration.ofDays(2)));
    for (String run : List.of("killed", "running")) {
      try (Stream<Path> files = Files.walk(root.resolve("_units/legacy/" + run))) {
        for (Path p : files.toList()) {
          Files.setLastModifiedTime(p, twoDaysAgo);
        }
      }
    }
    // A driver still running renews its lease every few seconds.
    Path lease = root.resolve("_leases/legacy/running");
    Files.createDirectories(lease.getParent());
    Files.writeString(lease, "token=t\n");

    Maintenance.Summary summary = maintain(root, new Maintenance.Options(Duration.ZERO, null));

    assertThat(root.resolve("_units/legacy/killed")).doesNotExist();
    assertThat(root.resolve("_units/legacy/fresh")).isDirectory();
    assertThat(root.resolve("_units/legacy/running")).isDirectory();
    assertThat(summary.directoriesRemoved()).containsExactly("_units/legacy/killed");
  }

  @Test
  void aMalformedDurationExitsTwoNamingTheOption() {
    Cli r = cli("maintain", "--results", tmp.resolve("any").toString(), "--older-than", "30");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: --older-than must be").contains("got '30'");
    Cli runs =
        cli(
            "maintain",
            "--results",
            tmp.resolve("any").toString(),
            "--delete-runs-older-than",
            "a year");
    assertThat(runs.code()).isEqualTo(2);
    assertThat(runs.err()).startsWith("error: --delete-runs-older-than must be");
  }

  @Test
  void aRootWithoutResultsExitsTwoAsQueryDoes() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Cli r = cli("maintain", "--results", empty.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: results root " + empty + " has no results");
  }
}
