package io.adversarialprune.job.report;

import static org.apache.spark.sql.functions.col;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One sweep's rows of the {@code runs} table, latest first (by {@code started_at}, a run id
 * breaking ties so the order is stable): how {@code report} and {@code compare} choose their runs.
 *
 * @param rows latest first, at least one
 */
record SweepRuns(String sweep, List<Row> rows) {

  /**
   * The runs of {@code sweep} in {@code catalog}'s runs table.
   *
   * @param sweep null: the table's only sweep
   * @throws UserInputException when the embedded root does not exist, there is no runs table or
   *     run, or the sweep is unknown or not given where there are several
   */
  static SweepRuns read(SparkSession spark, ResultsCatalog catalog, String root, String sweep)
      throws IOException {
    Path path = new Path(root);
    if (catalog.catalog().equals(ResultsCatalog.EMBEDDED)
        && !path.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(path)) {
      throw new UserInputException("results root " + root + " does not exist");
    }
    return of(catalog.read(Tables.RUNS.name()), sweep, catalog, root);
  }

  /**
   * The runs of {@code sweep} in {@code runs}, a version of the runs table (null: none).
   *
   * @see #read
   */
  static SweepRuns of(Dataset<Row> runs, String sweep, ResultsCatalog catalog, String root) {
    String table = catalog.qualified(Tables.RUNS.name()).replace("`", "");
    if (runs == null) {
      throw new UserInputException(
          "results root "
              + root
              + " has no runs table ("
              + table
              + "); is it a results root written by `run`?");
    }
    List<String> sweeps =
        runs.select("sweep").distinct().orderBy("sweep").collectAsList().stream()
            .map(r -> r.getString(0))
            .toList();
    if (sweeps.isEmpty()) {
      throw new UserInputException(
          "results root "
              + root
              + " has an empty runs table ("
              + table
              + " holds no run yet; a run killed before its first write leaves that)");
    }
    if (sweep == null) {
      if (sweeps.size() != 1) {
        throw new UserInputException(
            "results root "
                + root
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
              + root
              + " (sweeps: "
              + String.join(", ", sweeps)
              + ")");
    }
    List<Row> rows =
        runs.filter(col("sweep").equalTo(sweep)).collectAsList().stream()
            .sorted(
                Comparator.comparing(
                        (Row r) -> r.<java.sql.Timestamp>getAs("started_at"),
                        Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(r -> r.<String>getAs("run_id"))
                    .reversed())
            .toList();
    return new SweepRuns(sweep, rows);
  }

  /** The run ids, latest first. */
  List<String> ids() {
    return rows.stream().map(r -> r.<String>getAs("run_id")).toList();
  }

  /** The runs row of {@code id}, which must be one of {@link #ids()}. */
  Row row(String id) {
    return rows.stream().filter(r -> id.equals(r.getAs("run_id"))).findFirst().orElseThrow();
  }

  /**
   * {@code id} when it is one of the sweep's runs.
   *
   * @throws UserInputException naming {@code option} and the runs there are
   */
  String known(String id, String option) {
    List<String> ids = ids();
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

  /**
   * {@code id} when it is one of the sweep's runs and SUCCEEDED (a run's metrics are written when
   * it succeeds).
   *
   * @throws UserInputException naming {@code option}, else
   */
  String succeeded(String id, String option) {
    String status = row(known(id, option)).getAs("status");
    if (!RunsTable.SUCCEEDED.equals(status)) {
      throw new UserInputException(
          "run "
              + id
              + " ("
              + option
              + ") of sweep "
              + sweep
              + " has status "
              + status
              + "; only a SUCCEEDED run has metrics to compare");
    }
    return id;
  }

  /** The latest SUCCEEDED run, or null when there is none. */
  String latestSucceeded() {
    return succeededAfter(-1);
  }

  /** The latest SUCCEEDED run started before {@code id}, or null when there is none. */
  String previousSucceeded(String id) {
    return succeededAfter(ids().indexOf(id));
  }

  private String succeededAfter(int index) {
    for (int i = index + 1; i < rows.size(); i++) {
      if (RunsTable.SUCCEEDED.equals(rows.get(i).getAs("status"))) {
        return rows.get(i).getAs("run_id");
      }
    }
    return null;
  }
}
