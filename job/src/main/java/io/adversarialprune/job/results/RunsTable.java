package io.adversarialprune.job.results;

import static org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit.MICROS;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
import static org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.INT64;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code runs} table: one row per run, rewritten as the run goes RUNNING, then SUCCEEDED,
 * FAILED or INTERRUPTED.
 */
public final class RunsTable {
  private RunsTable() {}

  public static final String RUNNING = "RUNNING";
  public static final String SUCCEEDED = "SUCCEEDED";
  public static final String FAILED = "FAILED";

  /** Stopped by a signal (SIGTERM: a scheduler's stop); resumed by a run with the same id. */
  public static final String INTERRUPTED = "INTERRUPTED";

  public static final StructType SCHEMA =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, status STRING, started_at TIMESTAMP, "
              + "ended_at TIMESTAMP, device STRING, spark_master STRING, app_id STRING, "
              + "config_hash STRING, config STRING");

  /**
   * Writes one runs row as a Parquet file without Spark: for a shutdown hook, when Spark's task
   * slots may all be busy with the units it is stopping (a write through Spark would wait for one).
   * Spark reads it with {@link #SCHEMA} like the files it writes itself.
   */
  public static void writeFile(org.apache.hadoop.fs.Path file, Row row, Configuration conf)
      throws IOException {
    Types.MessageTypeBuilder b = Types.buildMessage();
    for (StructField f : SCHEMA.fields()) {
      if (f.dataType().equals(DataTypes.TimestampType)) {
        b.optional(INT64).as(LogicalTypeAnnotation.timestampType(true, MICROS)).named(f.name());
      } else {
        b.optional(BINARY).as(LogicalTypeAnnotation.stringType()).named(f.name());
      }
    }
    MessageType parquet = b.named("spark_schema");
    Group g = new SimpleGroupFactory(parquet).newGroup();
    for (int i = 0; i < SCHEMA.fields().length; i++) {
      if (row.isNullAt(i)) {
        continue;
      }
      String name = SCHEMA.fields()[i].name();
      if (row.get(i) instanceof Timestamp t) {
        Instant at = t.toInstant();
        g.add(
            name,
            Math.addExact(
                Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000L));
      } else {
        g.add(name, row.getString(i));
      }
    }
    try (ParquetWriter<Group> w =
        ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
            .withType(parquet)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      w.write(g);
    }
  }

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
    return Tables.RUNS
        .row()
        .set("sweep", sweep)
        .set("run_id", runId)
        .set("status", status)
        .set("started_at", Timestamp.from(started))
        .set("ended_at", ended == null ? null : Timestamp.from(ended))
        .set("device", devices.isEmpty() ? null : String.join(",", devices))
        .set("spark_master", sparkMaster)
        .set("app_id", appId)
        .set("config_hash", configHash)
        .set("config", config)
        .build();
  }
}
