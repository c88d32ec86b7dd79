package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.col;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Chooses and reads the two runs {@code compare} compares: a SUCCEEDED run of a sweep, and a
 * baseline that is the previous SUCCEEDED run (the default), a run named by id, or the tables as
 * they were at a time or metrics snapshot (Iceberg time travel, as far back as {@code maintain}
 * keeps snapshots).
 */
public final class ComparisonLoader {
  private final SparkSession spark;
  private final ResultsCatalog catalog;
  private final String root;

  public ComparisonLoader(SparkSession spark, ResultsCatalog catalog, String root) {
    this.spark = spark;
    this.catalog = catalog;
    this.root = root;
  }

  /** How the baseline run is chosen. */
  public sealed interface Baseline {
    /** The latest SUCCEEDED run of the sweep started before the compared one. */
    record Previous() implements Baseline {}

    /** A SUCCEEDED run by id. */
    record Named(String runId) implements Baseline {}

    /**
     * The tables as they were at {@code time}: run {@code runId} then, or (null) the latest
     * SUCCEEDED run then, which may be the compared run before it was re-run.
     */
    record AsOf(Instant time, String runId) implements Baseline {}

    /**
     * The metrics table at its snapshot {@code snapshotId} (and the runs table as of that
     * snapshot's commit): run {@code runId} there, or (null) the latest SUCCEEDED run there.
     */
    record Snapshot(long snapshotId, String runId) implements Baseline {}
  }

  /**
   * The comparison, or null when the default baseline does not exist: the run is its sweep's first
   * SUCCEEDED one.
   *
   * @param sweep null: the root's only sweep
   * @param runId null: the sweep's latest SUCCEEDED run
   * @throws UserInputException for an unknown sweep or run, a run that did not succeed, or a time
   *     or snapshot the tables do not have
   */
  public RunComparison load(String sweep, String runId, Baseline baseline, double alpha)
      throws IOException {
    SweepRuns now = SweepRuns.read(spark, catalog, root, sweep);
    String after;
    if (runId != null) {
      after = now.succeeded(runId, "--run-id");
    } else {
      after = now.latestSucceeded();
      if (after == null) {
        throw new UserInputException(
            "sweep " + now.sweep() + " has no SUCCEEDED run (runs: " + now.ids() + ")");
      }
    }
    Dataset<Row> metricsNow = catalog.read(Tables.METRICS.name());
    RunComparison.Side afterSide =
        new RunComparison.Side(
            after,
            runId == null ? "latest SUCCEEDED run" : "--run-id",
            now.row(after).getAs("config_hash"));
    List<ConfigMetrics> afterRows = ConfigMetrics.ofRun(metricsNow, now.sweep(), after);

    Dataset<Row> metricsThen;
    String before;
    String description;
    if (baseline instanceof Baseline.AsOf a) {
      metricsThen = catalog.readAsOf(Tables.METRICS.name(), a.time(), "--as-of");
      description = "as of " + a.time();
      before = chosen(now, metricsThen, a.runId(), description);
    } else if (baseline instanceof Baseline.Snapshot s) {
      Instant time = catalog.snapshotTime(Tables.METRICS.name(), s.snapshotId(), "--snapshot");
      metricsThen = catalog.readAtSnapshot(Tables.METRICS.name(), s.snapshotId(), "--snapshot");
      description = "metrics snapshot " + s.snapshotId() + " of " + time;
      before = chosen(now, metricsThen, s.runId(), "in " + description);
    } else if (baseline instanceof Baseline.Named n) {
      metricsThen = metricsNow;
      before = now.succeeded(n.runId(), "--baseline");
      description = "--baseline";
    } else {
      metricsThen = metricsNow;
      before = now.previousSucceeded(after);
      if (before == null) {
        return null;
      }
      description = "previous SUCCEEDED run";
    }
    RunComparison.Side beforeSide =
        new RunComparison.Side(
            before,
            description,
            now.ids().contains(before) ? now.row(before).getAs("config_hash") : null);
    return RunComparison.of(
        now.sweep(),
        beforeSide,
        ConfigMetrics.ofRun(metricsThen, now.sweep(), before),
        afterSide,
        afterRows,
        alpha);
  }

  /**
   * The baseline in an earlier version of the metrics table: {@code runId} if it has rows there,
   * else the latest run (in today's runs order) that has. A run's metrics are committed only when
   * it succeeds, so either succeeded, possibly before a re-run replaced its rows.
   */
  private static String chosen(SweepRuns now, Dataset<Row> metricsThen, String runId, String when) {
    Set<String> there =
        metricsThen
            .filter(col("sweep").equalTo(now.sweep()).and(col("level").equalTo("config")))
            .select("run_id")
            .distinct()
            .collectAsList()
            .stream()
            .map(r -> r.getString(0))
            .collect(Collectors.toSet());
    if (runId != null) {
      if (!there.contains(runId)) {
        throw new UserInputException(
            "--baseline "
                + runId
                + ": sweep "
                + now.sweep()
                + " had no metrics of that run "
                + when
                + " (runs there: "
                + new TreeSet<>(there)
                + ")");
      }
      return runId;
    }
    for (String id : now.ids()) {
      if (there.contains(id)) {
        return id;
      }
    }
    if (!there.isEmpty()) {
      return new TreeSet<>(there).last(); // a run whose runs row is gone (retention)
    }
    throw new UserInputException(
        "sweep " + now.sweep() + " had no metrics " + when + " (no run had succeeded then)");
  }
}
