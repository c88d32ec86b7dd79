package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.ConfigFactory;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
    Path root = new Path(layout.root());
    FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (catalog.catalog().equals(ResultsCatalog.EMBEDDED) && !fs.exists(root)) {
      throw new UserInputException("results root " + layout.root() + " does not exist");
    }
    Dataset<Row> runs = catalog.read(ResultsLayout.RUNS);
    if (runs == null) {
      throw runsTableProblem("has no runs table", "); is it a results root written by `run`?");
    }
    List<String> sweeps =
        runs.select("sweep").distinct().orderBy("sweep").collectAsList().stream()
            .map(r -> r.getString(0))
            .toList();
    if (sweeps.isEmpty()) {
      throw runsTableProblem(
          "has an empty runs table",
          " holds no run yet; a run killed before its first write leaves that)");
    }
    if (sweep == null) {
      if (sweeps.size() != 1) {
        throw new UserInputException(
            "results root "
                + layout.root()
                + " holds "
                + sweeps.size()
                + " sweeps "
                + sweeps
                + "; choose one with --sweep");
      }
      sweep = sweeps.get(0);
    } else if (!sweeps.contains(sweep)) {
      throw new UserInputException(
          "unknown sweep '"
              + sweep
              + "' in results root "
              + layout.root()
              + " (sweeps: "
              + String.join(", ", sweeps)
              + ")");
    }
    // Latest first; a run id breaks ties so the order is stable.
    List<Row> sweepRuns =
        runs.filter(col("sweep").equalTo(sweep)).collectAsList().stream()
            .sorted(
                Comparator.comparing(
                        (Row r) -> r.<java.sql.Timestamp>getAs("started_at"),
                        Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(r -> r.<String>getAs("run_id"))
                    .reversed())
            .toList();
    List<String> ids = sweepRuns.stream().map(r -> r.<String>getAs("run_id")).toList();
    String chosen = runId == null ? ids.get(0) : known(runId, ids, sweep, "--run-id");
    String previous;
    if (compareTo != null) {
      previous = known(compareTo, ids, sweep, "--compare-to");
    } else {
      int i = ids.indexOf(chosen);
      previous = i + 1 < ids.size() ? ids.get(i + 1) : null;
    }

    List<String> notes = new ArrayList<>();
    Dataset<Row> metrics = catalog.read(ResultsLayout.METRICS);
    Dataset<Row> checks = catalog.read(ResultsLayout.ENGINE_CHECKS);
    ReportData.Run run = run(sweep, row(sweepRuns, chosen), metrics, checks, notes);
    ReportData.Run prev =
        previous == null ? null : run(sweep, row(sweepRuns, previous), metrics, checks, notes);
    if (prev == null) {
      notes.add(
          ids.size() == 1
              ? "Sweep "
                  + sweep
                  + " has only one run ("
                  + chosen
                  + "): no night-over-night comparison."
              : "No run of sweep "
                  + sweep
                  + " started before "
                  + chosen
                  + ": no night-over-night comparison (choose one with --compare-to).");
    } else if (prev.runId().equals(run.runId())) {
      notes.add("--compare-to names the reported run itself; every change is zero.");
    }
    return new ReportData(
        layout.root(),
        sweep,
        run,
        prev,
        layers(sweep, chosen),
        List.copyOf(notes),
        curves(sweep, chosen));
  }

  /**
   * The run's robustness curves: per config and attack whose samples have distances, the counts and
   * the clean-correct samples' distances; empty when no attack of the run records them.
   */
  private List<RobustnessCurve> curves(String sweep, String runId) throws IOException {
    Dataset<Row> samples = catalog.read(ResultsLayout.SAMPLES);
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
    Dataset<Row> layers = catalog.read(ResultsLayout.LAYERS);
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

  /** "results root ROOT {@code problem} (RUNS_TABLE{@code rest}": names the root and the table. */
  private UserInputException runsTableProblem(String problem, String rest) {
    return new UserInputException(
        "results root "
            + layout.root()
            + " "
            + problem
            + " ("
            + catalog.qualified(ResultsLayout.RUNS).replace("`", "")
            + rest);
  }

  private static String known(String id, List<String> ids, String sweep, String option) {
    if (!ids.contains(id)) {
      throw new UserInputException(
          "unknown run id '"
              + id
              + "' ("
              + option
              + ") of sweep "
              + sweep
              + " (runs: "
              + String.join(", ", ids)
              + ")");
    }
    return id;
  }

  private static Row row(List<Row> runs, String id) {
    return runs.stream().filter(r -> id.equals(r.getAs("run_id"))).findFirst().orElseThrow();
  }

  private ReportData.Run run(
      String sweep, Row r, Dataset<Row> metrics, Dataset<Row> checkTable, List<String> notes)
      throws IOException {
    String id = r.getAs("run_id");
    String status = r.getAs("status");
    List<ConfigMetrics> rows =
        metrics == null
            ? List.of()
            : metrics
                .filter(
                    col("sweep")
                        .equalTo(sweep)
                        .and(col("run_id").equalTo(id))
                        .and(col("level").equalTo("config")))
                .collectAsList()
                .stream()
                .map(ConfigMetrics::from)
                .sorted(
                    Comparator.comparingInt(ConfigMetrics::order)
                        .thenComparingInt(ConfigMetrics::attackOrder))
                .toList();
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
              + r.getAs("started_at")
              + (r.getAs("ended_at") == null ? ", never ended" : ", ended " + r.getAs("ended_at"))
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
        String.valueOf(r.<Object>getAs("started_at")),
        r.getAs("ended_at") == null ? null : String.valueOf(r.<Object>getAs("ended_at")),
        r.getAs("device"),
        rows,
        committed,
        expected,
        checks);
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
      Dataset<Row> samples = catalog.read(ResultsLayout.SAMPLES);
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
      SweepConfig c =
          SweepConfig.from(ConfigFactory.parseString(rendered).atKey("sweep"), new ArrayList<>());
      return SweepPlan.unitCount(c);
    } catch (RuntimeException e) {
      // An older or hand-edited config: the report still shows what was written.
      return null;
    }
  }
}
