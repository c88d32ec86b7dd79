package io.adversarialprune.job.cli;

import org.apache.spark.sql.SparkSession;

/** Builds the session. Never sets a master: spark-submit or the local launcher does. */
final class Spark {
  private Spark() {}

  static SparkSession session(String appName) {
    return SparkSession.builder()
        .appName(appName)
        // The sweep's Parquet is small per unit; keep the driver's writes to one file per table.
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate();
  }
}
