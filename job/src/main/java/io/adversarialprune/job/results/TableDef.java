package io.adversarialprune.job.results;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * One results table as the catalog holds it: its name, its columns, how its files are partitioned
 * and sorted, and the table properties it is created with. {@link Tables#ALL} lists every table;
 * the writer, the readers, {@code query}'s help and the catalog's checks all take them from there.
 *
 * @param name the table's name inside the results namespace
 * @param schema its columns, every one nullable (a newer job adds columns; older rows read null)
 * @param partitionBy identity-partition columns: the filters the tables are queried by (sweep and
 *     run; {@code samples} also config), so a one-night query plans only that night's files
 * @param sortBy the write order inside each file, for the common filters' min/max statistics
 * @param clustered whether a write shuffles its rows by partition first (one file per partition and
 *     write: {@code samples}, written from many unit files); the driver's small tables are written
 *     from one local partition and need no shuffle
 */
public record TableDef(
    String name,
    StructType schema,
    List<String> partitionBy,
    List<String> sortBy,
    boolean clustered) {

  /** The properties every results table is created with. */
  static Map<String, String> properties(boolean clustered) {
    return Map.of(
        "format-version", "2",
        "write.parquet.compression-codec", "zstd",
        "write.distribution-mode", clustered ? "hash" : "none",
        // Two drivers committing different runs at once: the loser re-applies its commit.
        "commit.retry.num-retries", "10",
        // A Hadoop catalog keeps every metadata file otherwise: a year of nights is thousands.
        "write.metadata.delete-after-commit.enabled", "true",
        "write.metadata.previous-versions-max", "100");
  }
}
