package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.ConfigFactory;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads one sweep's runs from a results root for the report. Unknown roots, sweeps and run ids are
 * user errors naming the thing; a run that failed or is still running is reported, with what it
 * lacks listed in {@link ReportData#notes()}, never an error.
 */
public final class ReportLoader {
  private final SparkSession spark;
  private final ResultsLayout layout;
  private final ResultsCatalog catalog;

  public ReportLoader(SparkSession spark, ResultsCatalog catalog, ResultsLayout layout) {
    this.spark = spark;
    this.catalog = catalog;
    this.layout = layout;
  }

  /**
   * @param sweep null: the root's only sweep
   * @param runId null: the sweep's latest run by {@code started_at}
   * @param compareTo null: the run started just before {@code runId}, if any
   */
  public ReportData load(String sweep, String runId, String compareTo) throws IOException {
    SweepRuns runs = SweepRuns.read(spark, catalog, layout.root(), sweep);
    sweep = runs.sweep();
    List<String> ids = runs.ids();
    String chosen = runId == null ? ids.get(0) : runs.known(runId, "--run-id");
    String previous =
        compareTo != null ? runs.known(compareTo, "--compare-to") : runs.previousSucceeded(chosen);

    List<String> notes = new ArrayList<>();
    Dataset<Row> metrics = catalog.read(Tables.METRICS.name());
    Dataset<Row> checks = catalog.read(Tables.ENGINE_CHECKS.name());
    Row chosenRow = runs.row(chosen);
    ReportData.Run run = run(sweep, chosenRow, metrics, checks, notes);
    RunComparison comparison = null;
    ReportData.Run prev = null;
    if (previous == null) {
      notes.add(
          ids.size() == 1
              ? "Sweep "
                  + sweep
                  + " has only one run ("
                  + chosen
                  + "): no night-over-night comparison."
              : "No SUCCEEDED run of sweep "
                  + sweep
                  + " started before "
                  + chosen
                  + ": no night-over-night comparison (choose one with --compare-to).");
    } else {
      Row previousRow = runs.row(previous);
      prev = run(sweep, previousRow, metrics, checks, notes);
      if (prev.runId().equals(run.runId())) {
        notes.add("--compare-to names the reported run itself; every change is zero.");
      }
      // the comparison compare prints, from the same code
      comparison =
          RunComparison.of(
              sweep,
              new RunComparison.Side(
                  previous,
                  compareTo == null ? "previous SUCCEEDED run" : "--compare-to",
                  previousRow.getAs("config_hash")),
              prev.metrics(),
              new RunComparison.Side(chosen, "reported run", chosenRow.getAs("config_hash")),
              run.metrics(),
              RunComparison.DEFAULT_ALPHA);
    }
    return new ReportData(
        layout.root(),
        sweep,
        run,
        prev,
        comparison,
        layers(sweep, chosen),
        List.copyOf(notes),
        curves(sweep, chosen),
        brokenBy(sweep, chosen));
  }

  /**
   * Per config and cascade attack of the run, how many samples each member broke ({@code
   * samples.broken_by}); empty when the samples table has no such column or no sample of the run a
   * member.
   */
  private List<ReportData.BrokenBy> brokenBy(String sweep, String runId) throws IOException {
    Dataset<Row> samples = catalog.read(Tables.SAMPLES.name());
    if (samples == null || !List.of(samples.columns()).contains("broken_by")) {
      return List.of();
    }
    return samples
        .filter(
            col("sweep")
                .equalTo(sweep)
                .and(col("run_id").equalTo(runId))
                .and(col("broken_by").isNotNull()))
        .groupBy("config_id", "attack", "broken_by")
        .count()
        .orderBy("config_id", "attack", "broken_by")
        .collectAsList()
        .stream()
        .map(
            r ->
                new ReportData.BrokenBy(
                    r.getString(0), r.getString(1), r.getString(2), r.getLong(3)))
        .toList();
  }

  /**
   * The run's robustness curves: per config and attack whose samples have distances, the counts and
   * the clean-correct samples' distances; empty when no attack of the run records them.
   */
  private List<RobustnessCurve> curves(String sweep, String runId) throws IOException {
    Dataset<Row> samples = catalog.read(Tables.SAMPLES.name());
    if (samples == null) {
      return List.of();
    }
    return samples
        .filter(col("sweep").equalTo(sweep).and(col("run_id").equalTo(runId)))
        .groupBy("config_id", "prune", "attack")
        .agg(
            org.apache.spark.sql.functions.count("*").as("total"),
            org.apache
                .spark
                .sql
                .functions
                .count_if(col("label").equalTo(col("clean_pred")))
                .as("correct"),
            org.apache
                .spark
                .sql
                .functions
                .collect_list(
                    org.apache.spark.sql.functions.when(
                        col("label").equalTo(col("clean_pred")), col("min_distance")))
                .as("distances"),
            org.apache.spark.sql.functions.count("min_distance").as("with_distance"))
        .filter(col("with_distance").gt(0))
        .orderBy("config_id", "attack")
        .collectAsList()
        .stream()
        .map(RobustnessCurve::from)
        .toList();
  }

  /** The run's config-level layer anatomy; empty when it has none. */
  private List<LayerLine> layers(String sweep, String runId) throws IOException {
    Dataset<Row> layers = catalog.read(Tables.LAYERS.name());
    if (layers == null) {
      return List.of();
    }
    return layers
        .filter(
            col("sweep")
                .equalTo(sweep)
                .and(col("run_id").equalTo(runId))
                .and(col("level").equalTo("config")))
        .orderBy("config_order", "attack_order", "layer_order")
        .collectAsList()
        .stream()
        .map(RowRecords.reader(LayerLine.class))
        .toList();
  }

  private ReportData.Run run(
      String sweep, Row r, Dataset<Row> metrics, Dataset<Row> checkTable, List<String> notes)
      throws IOException {
    String id = r.getAs("run_id");
    String status = r.getAs("status");
    List<ConfigMetrics> rows = ConfigMetrics.ofRun(metrics, sweep, id);
    List<EngineCheckLine> checks =
        checkTable == null
            ? List.of()
            : checkTable
                .filter(col("sweep").equalTo(sweep).and(col("run_id").equalTo(id)))
                .orderBy("checked_at", "executor", "batch_size")
                .collectAsList()
                .stream()
                .map(RowRecords.reader(EngineCheckLine.class))
                .toList();
    long failedChecks = checks.stream().filter(c -> !c.passed()).count();
    if (failedChecks > 0) {
      notes.add(
          "Run "
              + id
              + ": "
              + failedChecks
              + " of "
              + checks.size()
              + " engine checks failed (see Engine checks): numbers computed there cannot be"
              + " trusted.");
    }
    long committed = committedUnits(sweep, id);
    Integer expected = expectedUnits(r.getAs("config"));
    if (!"SUCCEEDED".equals(status)) {
      notes.add(
          "Run "
              + id
              + " has status "
              + status
              + " (started "
              + utc(r.getAs("started_at"))
              + (r.getAs("ended_at") == null
                  ? ", never ended"
                  : ", ended " + utc(r.getAs("ended_at")))
              + ").");
    }
    if (expected != null && committed < expected) {
      notes.add(
          "Run "
              + id
              + ": "
              + committed
              + " of "
              + expected
              + " (config, attack, seed, shard) units committed; "
              + (expected - committed)
              + " missing.");
    }
    if (rows.isEmpty()) {
      notes.add(
          "Run "
              + id
              + " has no metrics rows: no table or chart can show it"
              + (committed > 0
                  ? " (its " + committed + " committed units are in samples only)"
                  : "")
              + ".");
    }
    return new ReportData.Run(
        id,
        status,
        utc(r.getAs("started_at")),
        utc(r.getAs("ended_at")),
        r.getAs("device"),
        rows,
        committed,
        expected,
        checks);
  }

  private static final DateTimeFormatter UTC_SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /**
   * A {@code runs} timestamp as people read it: to the second, in UTC, {@code 2026-12-07 02:15:03
   * UTC} (Spark hands out the instant as a {@link java.sql.Timestamp} in the JVM's zone, with
   * microseconds); null stays null.
   */
  static String utc(Object timestamp) {
    if (timestamp instanceof java.sql.Timestamp t) {
      return UTC_SECONDS.format(t.toInstant());
    }
    if (timestamp instanceof Instant t) {
      return UTC_SECONDS.format(t);
    }
    return timestamp == null ? null : timestamp.toString();
  }

  /**
   * The run's committed units: those in the {@code samples} table once the run committed them
   * there, else the unit directories ({@code _units/SWEEP/RUN_ID/CONFIG/ATTACK/seed-K/shard-H})
   * present, each one's existence a commit.
   */
  private long committedUnits(String sweep, String runId) throws IOException {
    Path runDir = layout.units(sweep, runId);
    FileSystem fs = runDir.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(runDir)) {
      Dataset<Row> samples = catalog.read(Tables.SAMPLES.name());
      return samples == null
          ? 0
          : samples
              .where(col("sweep").equalTo(sweep).and(col("run_id").equalTo(runId)))
              .select("config_id", "attack", "seed", "shard")
              .distinct()
              .count();
    }
    long n = 0;
    for (FileStatus config : fs.listStatus(runDir)) {
      if (!config.isDirectory()) {
        continue;
      }
      for (FileStatus attack : fs.listStatus(config.getPath())) {
        if (!attack.isDirectory()) {
          continue;
        }
        for (FileStatus seed : fs.listStatus(attack.getPath())) {
          if (seed.isDirectory()) {
            for (FileStatus shard : fs.listStatus(seed.getPath())) {
              if (shard.isDirectory() && shard.getPath().getName().startsWith("shard-")) {
                n++;
              }
            }
          }
        }
      }
    }
    return n;
  }

  /**
   * configs x attacks x seeds x shards of the run's recorded config ({@code runs.config} holds the
   * {@code sweep} block's content); null if it cannot be read.
   */
  private static Integer expectedUnits(String rendered) {
    if (rendered == null) {
      return null;
    }
    try {
      SweepConfig c = SweepConfig.from(ConfigFactory.parseString(rendered).atKey("sweep"));
      return SweepPlan.unitCount(c);
    } catch (RuntimeException e) {
      // An older or hand-edited config: the report still shows what was written.
      return null;
    }
  }
}
