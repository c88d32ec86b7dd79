package io.adversarialprune.job.cli;

import java.io.File;
import org.apache.spark.sql.SparkSession;

/** Builds the session. Never sets a master: spark-submit or the local launcher does. */
final class Spark {
  private Spark() {}

  static SparkSession session(String appName) {
    return builder(appName).getOrCreate();
  }

  /** The session's settings, for {@link #session} and for tests that add a master. */
  static SparkSession.Builder builder(String appName) {
    return SparkSession.builder()
        .appName(appName)
        // The sweep's Parquet is small per unit; keep the driver's writes to one file per table.
        .config("spark.sql.shuffle.partitions", "8")
        // The job keeps no tables in a catalog, but Spark creates its warehouse directory (by
        // default ./spark-warehouse) the first time anything asks the catalog, e.g. a query that
        // names an unknown table. Send it to a directory of its own in the JVM's temp directory,
        // created only if Spark needs it and deleted at exit.
        .config("spark.sql.warehouse.dir", warehouse().toURI().toString());
  }

  private static File warehouse() {
    File dir =
        new File(
            System.getProperty("java.io.tmpdir"),
            "adversarial-prune-warehouse-" + ProcessHandle.current().pid());
    dir.deleteOnExit();
    return dir;
  }
}
