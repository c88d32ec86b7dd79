package io.adversarialprune.job.sweep;

import io.adversarialprune.job.RunFailedException;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.check.InputCheck;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.EngineCheckFailedException;
import io.adversarialprune.job.executor.RunUnits;
import io.adversarialprune.job.executor.UnitCommit;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.ResultsRoot;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a sweep, as named steps: check every input before anything is written ({@link
 * InputCheck}), take the run's lease, plan the units ({@link SweepPlan}), skip those already
 * committed under this run id, run the rest on executors ({@link UnitTasks}), aggregate their
 * counts and write {@code samples}, {@code metrics}, {@code prune_stats}, {@code layers}, {@code
 * engine_checks} and {@code runs} ({@link RunWriter}).
 */
public final class SweepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SweepRunner.class);

  /** What a finished run returns (also printed as the study-style table). */
  public record Summary(String runId, int units, int computed, List<Row> configMetrics) {}

  private final SparkSession spark;
  private final SweepConfig config;
  private final ResultsLayout layout;
  private final String runId;
  private ResultsCatalog catalog;

  /** Set once the lease is taken: every write checks the lease first (fencing). */
  private RunWriter writer;

  public SweepRunner(SparkSession spark, SweepConfig config, String resultsRoot, String runId) {
    this.spark = spark;
    this.config = config;
    this.layout = new ResultsLayout(resultsRoot);
    this.runId = runId;
  }

  public Summary run() throws IOException {
    ResultsRoot.checkWritable(layout, hadoopConf());
    catalog =
        ResultsCatalog.open(
            spark, config.results().catalog(), config.results().namespace(), layout.root());
    InputCheck.Inputs inputs = InputCheck.inputs(spark, config, hadoopConf());
    // One writer per run id; the lease is released however the run ends.
    scala.Option<String> attempt = spark.sparkContext().applicationAttemptId();
    try (RunLease lease =
        RunLease.acquire(
            layout,
            config.name(),
            runId,
            spark.sparkContext().applicationId(),
            attempt.isEmpty() ? null : attempt.get(),
            hadoopConf(),
            RunLease.Timing.DEFAULT)) {
      return runHoldingLease(inputs, lease);
    }
  }

  private Summary runHoldingLease(InputCheck.Inputs inputs, RunLease lease) throws IOException {
    writer = new RunWriter(spark, catalog, config, layout, runId, lease);
    writer.prepare();
    InputCheck.runIdentity(catalog, config, runId);
    Summary done = succeededAlready(inputs);
    if (done != null) {
      return done;
    }
    Instant started = Instant.now();
    // A scheduler's stop (YARN, Kubernetes, spark-submit --kill) is a SIGTERM: the JVM runs its
    // shutdown hooks, this one before Spark's (a higher priority runs first), so Spark is still up
    // to write the row. Hadoop's manager bounds it: Kubernetes kills 30 s after its SIGTERM.
    // Registered before the RUNNING row, so that no signal finds a RUNNING row and no hook.
    Runnable onSignal = () -> interrupted(started, lease);
    try {
      ShutdownHookManager.get()
          .addShutdownHook(onSignal, SIGNAL_HOOK_PRIORITY, 20, TimeUnit.SECONDS);
    } catch (IllegalStateException e) { // the JVM is shutting down already
      throw new RunFailedException(
          "run " + runId + " of sweep " + config.name() + " was stopped before it started", e);
    }
    try {
      reserveStatusSpace();
      synchronized (ending) { // the signal hook records its row after this one, or instead
        if (ended) {
          throw new RunFailedException(
              "run " + runId + " of sweep " + config.name() + " was interrupted by a signal",
              null,
              true);
        }
        writeFirstRow(started);
      }
    } catch (IOException | RuntimeException | Error e) {
      if (!ShutdownHookManager.get().isShutdownInProgress()) {
        ShutdownHookManager.get().removeShutdownHook(onSignal);
      }
      throw e;
    }
    try {
      SweepPlan plan = SweepPlan.of(config, inputs.shards());
      List<Unit> units = plan.units();
      List<Unit> pending = pending(units);
      LOG.info(
          "sweep {} run {}: {} ({}), {} already committed",
          config.name(),
          runId,
          SweepPlan.count(units.size(), "unit"),
          plan,
          units.size() - pending.size());
      List<RunUnits.Outcome> outcomes =
          new UnitTasks(spark, config, layout, runId, lease.token())
              .run(units, pending, inputs.calibration());
      HaltPoint.after("units");
      Set<String> devices = new TreeSet<>();
      int computed = 0;
      for (RunUnits.Outcome o : outcomes) {
        devices.add(o.device());
        computed += o.computed() ? 1 : 0;
      }
      // The checks committed with the units, this attempt's and earlier ones': a resume that
      // computes nothing still finds the checks of the executors that computed the units.
      long checked = outcomes.stream().mapToLong(o -> o.checks().size()).sum();
      writer.writeChecks(
          UnitCommit.committedChecks(
              layout.units(config.name(), runId).getFileSystem(hadoopConf()),
              layout.units(config.name(), runId)),
          checked);
      List<Row> configMetrics = writer.aggregate(plan, outcomes);
      synchronized (ending) {
        if (ended) {
          throw new IllegalStateException("interrupted by a signal");
        }
        writer.writeRun(RunsTable.SUCCEEDED, started, Instant.now(), devices);
        ended = true;
      }
      HaltPoint.after("succeeded");
      // After the last write; tidying only, it cannot fail the run. The samples table holds the
      // units now; a later run with this id finds the run succeeded (succeededAlready).
      lease.checkHeld();
      ResultsRoot.removeUnits(layout, config.name(), runId, hadoopConf());
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
      return new Summary(runId, units.size(), computed, configMetrics);
    } catch (Throwable e) {
      // Not only RuntimeException and IOException: a failed Spark job throws SparkException, which
      // Java's compiler cannot see, and an Error (a native library that fails to load) ends the run
      // too. Every way out records that the run ended.
      throw failed(started, e, lease);
    } finally {
      if (!ShutdownHookManager.get().isShutdownInProgress()) {
        ShutdownHookManager.get().removeShutdownHook(onSignal);
      }
    }
  }

  /**
   * Records the run as FAILED, unless its lease was lost (then the driver that took it over owns
   * the runs row), and says why, and what the runs row says; an {@link Error} is rethrown as it is.
   */
  private RuntimeException failed(Instant started, Throwable cause, RunLease lease) {
    synchronized (ending) {
      return failedOnce(started, cause, lease);
    }
  }

  private RuntimeException failedOnce(Instant started, Throwable cause, RunLease lease) {
    if (ended) { // a signal ended the run, and recorded it: this is its aftermath
      return new RunFailedException(
          "run " + runId + " of sweep " + config.name() + " was interrupted by a signal",
          cause,
          true);
    }
    ended = true;
    String row = "another driver took its lease over";
    if (stillHeld(lease)) {
      row = "runs status " + RunsTable.FAILED;
      releaseStatusSpace();
      try {
        writer.writeRun(RunsTable.FAILED, started, Instant.now(), Set.of());
      } catch (Throwable suppressed) {
        cause.addSuppressed(suppressed);
        // Only what was written may be claimed.
        row = "its runs row could not be updated and still says RUNNING: " + suppressed;
      }
      if (cause instanceof EngineCheckFailedException failed) {
        try {
          writer.writeChecks(List.of(failed.record()), 1);
        } catch (Throwable suppressed) {
          cause.addSuppressed(suppressed);
        }
      }
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new RunFailedException(
        "run " + runId + " of sweep " + config.name() + " failed (" + row + "): " + reason(cause),
        cause);
  }

  /**
   * The signal hook's work: records the run as INTERRUPTED (unless it ended already, or another
   * driver took its lease over), releases the lease and says how to resume. Committed units stay;
   * the staging directory is left to the next success, as units in flight may still write there.
   */
  private void interrupted(Instant started, RunLease lease) {
    synchronized (ending) {
      if (ended) {
        return;
      }
      ended = true;
      String row = "another driver took its lease over";
      if (stillHeld(lease)) {
        releaseStatusSpace();
        try {
          // Iceberg's own writer, not Spark: every task slot may be busy with a unit.
          writer.writeRun(RunsTable.INTERRUPTED, started, Instant.now(), Set.of());
          row = "runs status " + RunsTable.INTERRUPTED + ", lease released";
        } catch (Throwable e) {
          row = "its runs row could not be updated and still says RUNNING: " + e;
        }
      }
      lease.close();
      System.err.println(
          "interrupted: run "
              + runId
              + " of sweep "
              + config.name()
              + " was stopped by a signal, e.g. a scheduler's stop ("
              + row
              + "); its committed units are kept. Resume it: run again with --run-id "
              + runId
              + " and the same config.");
      System.err.flush();
      // The JVM is going down and that line is the last word. What Spark's threads say as they
      // are stopped would bury it: traces printed raw to stderr (a pool rejecting a task) and
      // log lines with traces (a broadcast it can no longer remove). Both are silenced.
      System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      try {
        org.apache.logging.log4j.core.config.Configurator.setAllLevels(
            org.apache.logging.log4j.LogManager.ROOT_LOGGER_NAME,
            org.apache.logging.log4j.Level.OFF);
      } catch (LinkageError | ClassCastException e) {
        // another logging backend than Spark's log4j 2: its lines stay
      }
    }
  }

  /** Above Spark's hooks (FileSystem.SHUTDOWN_HOOK_PRIORITY + 30), which stop its context. */
  static final int SIGNAL_HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;

  /** Guards {@link #ended}: the run's end is recorded once, by the run or by the signal hook. */
  private final Object ending = new Object();

  private boolean ended;

  /**
   * Bytes set aside, in the run's staging directory, for the run's last status write: a disk that
   * the units or the aggregation filled still has room for the FAILED row once this is deleted. The
   * runs row is a few kilobytes; a megabyte covers it with Parquet's and Spark's overheads.
   */
  static final int STATUS_RESERVE_BYTES = 1 << 20;

  private org.apache.hadoop.fs.Path statusReserve() {
    return new org.apache.hadoop.fs.Path(layout.staging(config.name(), runId), "status-reserve");
  }

  /**
   * Writes the {@link #STATUS_RESERVE_BYTES} before the RUNNING row, so that a disk already full
   * fails the run here, with nothing claimed about it. Random bytes: a compressing file system
   * would store zeros in no space at all.
   */
  private void reserveStatusSpace() throws IOException {
    org.apache.hadoop.fs.Path file = statusReserve();
    byte[] block = new byte[64 * 1024];
    new java.util.Random(0).nextBytes(block);
    try (org.apache.hadoop.fs.FSDataOutputStream out =
        file.getFileSystem(hadoopConf()).create(file, true)) {
      for (int i = 0; i < STATUS_RESERVE_BYTES / block.length; i++) {
        out.write(block);
      }
    } catch (IOException | org.apache.hadoop.fs.FSError e) {
      // Hadoop's local file system throws FSError, an Error, for a full disk.
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
      throw new RunFailedException(
          "run "
              + runId
              + " of sweep "
              + config.name()
              + " could not start: cannot write "
              + file
              + " ("
              + STATUS_RESERVE_BYTES
              + " bytes kept for its status; is the disk full? "
              + reason(e)
              + "); nothing was recorded",
          e);
    }
  }

  /**
   * Writes the RUNNING row, the run's first commit. A catalog that refuses it for want of
   * permission is a setting to fix (exit 2); either way nothing is recorded and the staging
   * directory goes.
   */
  private void writeFirstRow(Instant started) throws IOException {
    try {
      writer.writeRun(RunsTable.RUNNING, started, null, Set.of());
    } catch (IOException | RuntimeException e) {
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
      String start = "run " + runId + " of sweep " + config.name() + " could not start: ";
      if (permissionDenied(e)) {
        throw new UserInputException(
            start
                + "catalog '"
                + catalog.catalog()
                + "' refused to write its runs row ("
                + reason(e)
                + "); does it let this user write to "
                + catalog
                + "? Nothing was recorded",
            e);
      }
      throw new RunFailedException(start + reason(e) + "; nothing was recorded", e);
    }
  }

  /** Whether {@code e} is a refusal for want of rights: the catalog's database or file system. */
  private static boolean permissionDenied(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = String.valueOf(c.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (c instanceof java.nio.file.AccessDeniedException
          || c instanceof org.apache.hadoop.security.AccessControlException
          || c instanceof org.apache.iceberg.exceptions.ForbiddenException
          || c instanceof org.apache.iceberg.exceptions.NotAuthorizedException
          || m.contains("permission denied")
          || m.contains("access denied")) {
        return true;
      }
    }
    return false;
  }

  /** Frees the reserve for the status write that follows; best effort. */
  private void releaseStatusSpace() {
    org.apache.hadoop.fs.Path file = statusReserve();
    try {
      file.getFileSystem(hadoopConf()).delete(file, false);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", file, e.toString());
    }
  }

  /**
   * The first message below Spark's wrappers: a failed job's SparkException carries the executor's
   * stack trace in its message, while its cause is the task's own exception.
   */
  static String reason(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (!(c instanceof org.apache.spark.SparkException) && c.getMessage() != null) {
        return c.toString();
      }
    }
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  // ---- step 2: plan and resume -------------------------------------------------------------

  private List<Unit> pending(List<Unit> units) throws IOException {
    FileSystem fs = layout.units(config.name(), runId).getFileSystem(hadoopConf());
    List<Unit> out = new ArrayList<>();
    for (Unit u : units) {
      if (!fs.exists(layout.unit(config.name(), runId, u))) {
        out.add(u);
      }
    }
    return out;
  }

  /** Whether this driver still holds the lease, asked of the lease file itself. */
  private static boolean stillHeld(RunLease lease) {
    try {
      lease.checkHeld();
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /**
   * The summary of this run id when it succeeded already and its units were committed to the tables
   * (and removed): a rerun then changes nothing. Null when there is work to do.
   */
  private Summary succeededAlready(InputCheck.Inputs inputs) throws IOException {
    List<Row> prior = catalog.readRun(Tables.RUNS.name(), config.name(), runId);
    FileSystem fs = layout.units(config.name(), runId).getFileSystem(hadoopConf());
    if (prior.isEmpty()
        || !RunsTable.SUCCEEDED.equals(prior.get(0).getAs("status"))
        || fs.exists(layout.units(config.name(), runId))) {
      return null;
    }
    int units = SweepPlan.of(config, inputs.shards()).units().size();
    List<Row> configLevel =
        catalog
            .read(Tables.METRICS.name())
            .where(
                functions
                    .col("sweep")
                    .equalTo(config.name())
                    .and(functions.col("run_id").equalTo(runId))
                    .and(functions.col("level").equalTo(MetricsTable.CONFIG)))
            .orderBy("config_order", "attack_order")
            .collectAsList();
    LOG.info("run {} of sweep {} succeeded already: nothing to do", runId, config.name());
    return new Summary(runId, units, 0, configLevel);
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
