package io.adversarialprune.job.results;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/** Reading the results tables and replacing one run's slice of a driver-written table. */
public final class Tables {
  public static final String[] NAMES = {
    ResultsLayout.SAMPLES,
    ResultsLayout.METRICS,
    ResultsLayout.PRUNE_STATS,
    ResultsLayout.RUNS,
    ResultsLayout.ENGINE_CHECKS,
    ResultsLayout.LAYERS
  };

  private Tables() {}

  /**
   * A table over every sweep and run under the root, read with its known {@link #schema}, never an
   * inferred one: a table directory with no files yet (a run killed before its first write there)
   * is an empty table, not Spark's UNABLE_TO_INFER_SCHEMA. Null if the directory does not exist.
   */
  public static Dataset<Row> read(SparkSession spark, ResultsLayout layout, String table)
      throws IOException {
    Path p = layout.table(table);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(p)) {
      return null;
    }
    return spark
        .read()
        .schema(schema(table))
        .option("recursiveFileLookup", "true")
        .parquet(p.toString());
  }

  /** The Spark schema of one of the {@link #NAMES tables}. */
  public static StructType schema(String table) {
    return switch (table) {
      case ResultsLayout.SAMPLES -> SampleFile.SPARK_SCHEMA;
      case ResultsLayout.METRICS -> MetricsTable.SCHEMA;
      case ResultsLayout.PRUNE_STATS -> MetricsTable.PRUNE_STATS;
      case ResultsLayout.RUNS -> RunsTable.SCHEMA;
      case ResultsLayout.ENGINE_CHECKS -> EngineCheckRecord.SCHEMA;
      case ResultsLayout.LAYERS -> LayersTable.SCHEMA;
      default -> throw new IllegalArgumentException("no results table " + table);
    };
  }

  /**
   * Registers a temp view per table of {@link #NAMES} over the root's tables, those that exist; a
   * view of that name left from another root is dropped.
   *
   * @return the names of the views registered, in {@link #NAMES} order (empty: no results)
   */
  public static List<String> registerViews(SparkSession spark, ResultsLayout layout)
      throws IOException {
    List<String> views = new ArrayList<>();
    for (String t : NAMES) {
      Dataset<Row> df = read(spark, layout, t);
      if (df != null) {
        df.createOrReplaceTempView(t);
        views.add(t);
      } else {
        spark.catalog().dropTempView(t);
      }
    }
    return views;
  }

  /**
   * Replaces {@code table/sweep/runId} with {@code rows}: written to a staging directory first,
   * then swapped in, so readers never see a half-written slice.
   */
  public static void replaceRun(
      SparkSession spark,
      ResultsLayout layout,
      String table,
      String sweep,
      String runId,
      Dataset<Row> rows)
      throws IOException {
    replace(spark, layout, layout.run(table, sweep, runId), sweep, runId, rows);
  }

  /**
   * Replaces the directory {@code target} (inside a run's slice of a table) with {@code rows}, by
   * way of the run's staging directory.
   */
  public static void replace(
      SparkSession spark,
      ResultsLayout layout,
      Path target,
      String sweep,
      String runId,
      Dataset<Row> rows)
      throws IOException {
    Path staging =
        new Path(layout.staging(sweep, runId), target.getName() + "-" + System.nanoTime());
    rows.coalesce(1).write().mode(SaveMode.Overwrite).parquet(staging.toString());
    FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
    fs.delete(target, true);
    fs.mkdirs(target.getParent());
    if (!fs.rename(staging, target)) {
      throw new IOException("could not move " + staging + " to " + target);
    }
  }
}
