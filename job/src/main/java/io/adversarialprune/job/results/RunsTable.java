package io.adversarialprune.job.results;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code runs} table: one row per run, rewritten as the run goes RUNNING, then SUCCEEDED or
 * FAILED.
 */
public final class RunsTable {
  private RunsTable() {}

  public static final String RUNNING = "RUNNING";
  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  public static final StructType SCHEMA =
      new StructType()
          .add("sweep", DataTypes.StringType)
          .add("run_id", DataTypes.StringType)
          .add("status", DataTypes.StringType)
          .add("started_at", DataTypes.TimestampType)
          .add("ended_at", DataTypes.TimestampType)
          .add("device", DataTypes.StringType)
          .add("spark_master", DataTypes.StringType)
          .add("app_id", DataTypes.StringType)
          .add("config_hash", DataTypes.StringType)
          .add("config", DataTypes.StringType);

  /**
   * One run's row.
   *
   * @param ended null while running
   * @param devices where its units ran (empty: unknown or none)
   */
  public static Row row(
      String sweep,
      String runId,
      String status,
      Instant started,
      Instant ended,
      Set<String> devices,
      String sparkMaster,
      String appId,
      String configHash,
      String config) {
    return RowFactory.create(
        sweep,
        runId,
        status,
        Timestamp.from(started),
        ended == null ? null : Timestamp.from(ended),
        devices.isEmpty() ? null : String.join(",", devices),
        sparkMaster,
        appId,
        configHash,
        config);
  }
}
