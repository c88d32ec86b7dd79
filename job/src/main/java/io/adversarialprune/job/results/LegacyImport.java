package io.adversarialprune.job.results;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.udfs.prune.PruneSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Brings runs written in the layout before the catalog ({@code OLD_ROOT/TABLE/SWEEP/RUN_ID/...},
 * Parquet read with {@code recursiveFileLookup}) into the results catalog, so earlier nights stay
 * comparable with new ones. Each run is one commit per table ({@link ResultsCatalog#replaceRun}):
 * importing a root twice, or a run the catalog already holds, replaces its rows, never doubles
 * them. The old root is only read.
 */
public final class LegacyImport {
  /**
   * The baseline's name in runs written before it was {@code baseline} everywhere: {@code none} in
   * {@code config_id}, {@code prune} and {@code prune_type}, with a null {@code prune_value}.
   */
  public static final String OLD_BASELINE = "none";

  /** One imported run and its rows per table, in {@link Tables#ALL} order. */
  public record Imported(String sweep, String runId, String status, List<Long> rows) {}

  private final SparkSession spark;
  private final ResultsCatalog catalog;

  public LegacyImport(SparkSession spark, ResultsCatalog catalog) {
    this.spark = spark;
    this.catalog = catalog;
  }

  /**
   * Imports every run of {@code oldRoot}'s {@code runs} table, in (sweep, run id) order.
   *
   * @throws UserInputException when {@code oldRoot} holds no runs of the old layout
   */
  public List<Imported> importRoot(String oldRoot) throws IOException {
    Path root = new Path(oldRoot);
    FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
    Path runs = new Path(root, Tables.RUNS.name());
    if (!fs.isDirectory(runs)) {
      throw new UserInputException(
          "--from "
              + oldRoot
              + " holds no runs table of the old layout ("
              + runs
              + " is not a directory); is it a results root written before the catalog?");
    }
    catalog.prepare();
    List<Imported> out = new ArrayList<>();
    for (FileStatus sweep : sorted(fs, runs)) {
      for (FileStatus run : sorted(fs, sweep.getPath())) {
        out.add(importRun(fs, root, sweep.getPath().getName(), run.getPath().getName()));
      }
    }
    return out;
  }

  private Imported importRun(FileSystem fs, Path root, String sweep, String runId)
      throws IOException {
    List<Long> rows = new ArrayList<>();
    String status = null;
    for (TableDef def : Tables.ALL) {
      Path slice = new Path(new Path(new Path(root, def.name()), sweep), runId);
      if (!fs.exists(slice)) {
        rows.add(0L);
        continue;
      }
      Dataset<Row> df =
          spark
              .read()
              .schema(def.schema())
              .option("recursiveFileLookup", "true")
              .parquet(slice.toString());
      // Every row belongs to the run its directory names: a stray file must not land elsewhere.
      long stray =
          df.where(
                  df.col("sweep")
                      .notEqual(sweep)
                      .or(df.col("run_id").notEqual(runId))
                      .or(df.col("sweep").isNull())
                      .or(df.col("run_id").isNull()))
              .count();
      if (stray > 0) {
        throw new UserInputException(
            slice + " holds " + stray + " rows of another sweep or run; nothing of it imported");
      }
      df = baselineRenamed(df);
      catalog.replaceRun(def.name(), sweep, runId, df);
      rows.add(df.count());
      if (def == Tables.RUNS) {
        List<Row> r = df.select("status").collectAsList();
        status = r.isEmpty() ? null : r.get(0).getString(0);
      }
    }
    return new Imported(sweep, runId, status, rows);
  }

  /**
   * The baseline by today's name: the old layout's runs called it {@code none} (in {@code
   * config_id}, {@code prune}, {@code prune_type}), with a null {@code prune_value} where today's
   * is 0.
   */
  public static Dataset<Row> baselineRenamed(Dataset<Row> df) {
    List<String> columns = java.util.Arrays.asList(df.columns());
    if (columns.contains("prune_value") && columns.contains("prune_type")) {
      df =
          df.withColumn(
              "prune_value",
              functions
                  .when(df.col("prune_type").equalTo(OLD_BASELINE), functions.lit(0.0))
                  .otherwise(df.col("prune_value")));
    }
    for (String c : List.of("config_id", "prune", "prune_type")) {
      if (columns.contains(c)) {
        df =
            df.withColumn(
                c,
                functions
                    .when(df.col(c).equalTo(OLD_BASELINE), functions.lit(PruneSpec.BASELINE))
                    .otherwise(df.col(c)));
      }
    }
    return df;
  }

  private static List<FileStatus> sorted(FileSystem fs, Path dir) throws IOException {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && !name.startsWith("_") && !name.startsWith(".")) {
        out.add(s);
      }
    }
    out.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    return out;
  }
}
