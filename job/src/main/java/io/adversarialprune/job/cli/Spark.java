package io.adversarialprune.job.cli;

import io.adversarialprune.job.data.PosixLocalFileSystem;
import io.adversarialprune.job.executor.TempDirs;
import io.adversarialprune.job.results.ResultsCatalog;
import java.io.File;
import org.apache.spark.sql.SparkSession;

/** Builds the session. Never sets a master: spark-submit or the local launcher does. */
final class Spark {
  private Spark() {}

  static SparkSession session(String appName) {
    return builder(appName).getOrCreate();
  }

  /** A command's work on a session. */
  @FunctionalInterface
  interface Work {
    Integer call(SparkSession spark) throws Exception;
  }

  /**
   * Runs {@code work} on this JVM's session: a new one, stopped when the work ends, or the caller's
   * (tests share one), which is left running.
   */
  static Integer withSession(String appName, Work work) throws Exception {
    return withSession(builder(appName), work);
  }

  /**
   * {@link #withSession(String, Work)} for a command that only reads tables ({@code query}, {@code
   * report}, ...): no web UI (its port, its threads, a second of start-up), unless the user asks
   * for one with {@code spark.ui.enabled}.
   */
  static Integer withReadingSession(String appName, Work work) throws Exception {
    if (SparkSession.getDefaultSession().isDefined()) {
      // the caller's session (nightly's, a test's): its settings stand
      return work.call(SparkSession.getDefaultSession().get());
    }
    SparkSession.Builder b = builder(appName);
    if (System.getProperty("spark.ui.enabled") == null) {
      b.config("spark.ui.enabled", "false");
    }
    // A command whose output is a table or a file: no progress bars over it on the console.
    b.config("spark.ui.showConsoleProgress", "false");
    b.config(ResultsCatalog.READ_ONLY_SESSION, "true");
    return withSession(b, work);
  }

  private static Integer withSession(SparkSession.Builder builder, Work work) throws Exception {
    boolean own = SparkSession.getDefaultSession().isEmpty();
    // the caller's session as it is (a builder would only warn that its settings are ignored)
    SparkSession spark = own ? builder.getOrCreate() : SparkSession.getDefaultSession().get();
    try {
      return work.call(spark);
    } finally {
      if (own) {
        spark.stop();
      }
    }
  }

  /** The session's settings, for {@link #session} and for tests that add a master. */
  static SparkSession.Builder builder(String appName) {
    SparkSession.Builder b = SparkSession.builder();
    String localDir = localDir();
    if (localDir != null) {
      b.config("spark.local.dir", localDir);
    }
    return b.appName(appName)
        // The sweep's Parquet is small per unit; keep the driver's writes to one file per table.
        .config("spark.sql.shuffle.partitions", "8")
        // Local results without a chmod process per file (PosixLocalFileSystem); Spark passes
        // spark.hadoop.* on to every Hadoop configuration it makes, the executors' included.
        .config("spark.hadoop." + PosixLocalFileSystem.KEY, PosixLocalFileSystem.class.getName())
        // The job keeps no tables in a catalog, but Spark creates its warehouse directory (by
        // default ./spark-warehouse) the first time anything asks the catalog, e.g. a query that
        // names an unknown table. Send it to a directory of its own in the JVM's temp directory,
        // created only if Spark needs it and deleted at exit.
        .config("spark.sql.warehouse.dir", warehouse().toURI().toString());
  }

  private static File warehouse() {
    File dir = TempDirs.parent().resolve(TempDirs.name("warehouse")).toFile();
    dir.deleteOnExit();
    return dir;
  }

  /**
   * In local mode, Spark's scratch space ({@code spark-*}, {@code blockmgr-*}) goes under the job's
   * temp parent, in a directory named with this process's pid, so that what a killed driver leaves
   * is reclaimed by the next start ({@link TempDirs}); null (Spark's own choice) when the user set
   * {@code spark.local.dir} or {@code SPARK_LOCAL_DIRS}, or on a cluster, where the driver's
   * setting would travel to executors on other hosts (their cluster manager sets theirs).
   */
  private static String localDir() {
    String master = System.getProperty("spark.master");
    if ((master != null && !master.startsWith("local"))
        || System.getProperty("spark.local.dir") != null
        || System.getenv("SPARK_LOCAL_DIRS") != null) {
      return null;
    }
    try {
      return TempDirs.directory("spark").toString();
    } catch (java.io.IOException e) {
      return null; // Spark's default then: java.io.tmpdir
    }
  }
}
