package io.adversarialprune.job.sweep;

import io.adversarialprune.job.RunFailedException;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.EngineCheckFailedException;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.ResultsRoot;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.RunsTable;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeps one run's record true however it ends: the run's lease (one writer per run id, {@link
 * RunLease}), the signal hook that records a scheduler's stop, and the space set aside for the last
 * status write. The run's {@code runs} row says RUNNING from {@link #start}, then exactly one of
 * SUCCEEDED ({@link #succeeded}), FAILED ({@link #failed}) or INTERRUPTED (the signal hook),
 * whichever comes first; a driver that lost the lease to another writes none of them.
 *
 * <p>Lifecycle: {@link #acquire} takes the lease, {@link #start} registers the hook and writes the
 * RUNNING row, {@link #close()} removes the hook and releases the lease. Thread-safety: the run's
 * end is recorded under one lock, by the driver's thread or by the signal hook's.
 */
final class RunGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunGuard.class);

  /** Above Spark's hooks (FileSystem.SHUTDOWN_HOOK_PRIORITY + 30), which stop its context. */
  static final int SIGNAL_HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;

  /**
   * Bytes set aside, in the run's staging directory, for the run's last status write: a disk that
   * the units or the aggregation filled still has room for the FAILED row once this is deleted. The
   * runs row is a few kilobytes; a megabyte covers it with Parquet's and Spark's overheads.
   */
  static final int STATUS_RESERVE_BYTES = 1 << 20;

  private final SweepConfig config;
  private final ResultsLayout layout;
  private final String runId;
  private final Configuration conf;

  /** Every write checks it first (fencing). */
  private final RunLease lease;

  /** Guards {@link #ended}: the run's end is recorded once, by the run or by the signal hook. */
  private final Object ending = new Object();

  private boolean ended;

  // Set by start().
  private RunWriter writer;
  private Instant started;
  private Runnable onSignal;

  private RunGuard(
      SweepConfig config, ResultsLayout layout, String runId, Configuration conf, RunLease lease) {
    this.config = config;
    this.layout = layout;
    this.runId = runId;
    this.conf = conf;
    this.lease = lease;
  }

  /**
   * Takes the lease of run {@code runId}: one writer per run id; it is released however the run
   * ends ({@link #close()}).
   *
   * @throws UserInputException when another driver holds it
   */
  static RunGuard acquire(
      SparkSession spark, SweepConfig config, ResultsLayout layout, String runId)
      throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    scala.Option<String> attempt = spark.sparkContext().applicationAttemptId();
    RunLease lease =
        RunLease.acquire(
            layout,
            config.name(),
            runId,
            spark.sparkContext().applicationId(),
            attempt.isEmpty() ? null : attempt.get(),
            conf,
            RunLease.Timing.DEFAULT);
    return new RunGuard(config, layout, runId, conf, lease);
  }

  /** The run's lease, held until {@link #close()}. */
  RunLease lease() {
    return lease;
  }

  /**
   * Registers the signal hook, sets the status space aside and writes the RUNNING row with {@code
   * writer}, which then records the run's end too.
   *
   * @throws RunFailedException when the run could not start (nothing recorded)
   */
  void start(RunWriter writer) throws IOException {
    this.writer = writer;
    this.started = Instant.now();
    // A scheduler's stop (YARN, Kubernetes, spark-submit --kill) is a SIGTERM: the JVM runs its
    // shutdown hooks, this one before Spark's (a higher priority runs first), so Spark is still up
    // to write the row. Hadoop's manager bounds it: Kubernetes kills 30 s after its SIGTERM.
    // Registered before the RUNNING row, so that no signal finds a RUNNING row and no hook.
    Runnable hook = this::interrupted;
    try {
      ShutdownHookManager.get().addShutdownHook(hook, SIGNAL_HOOK_PRIORITY, 20, TimeUnit.SECONDS);
    } catch (IllegalStateException e) { // the JVM is shutting down already
      throw new RunFailedException(
          "run " + runId + " of sweep " + config.name() + " was stopped before it started", e);
    }
    onSignal = hook;
    try {
      reserveStatusSpace();
      synchronized (ending) { // the signal hook records its row after this one, or instead
        if (ended) {
          throw new RunFailedException(
              "run " + runId + " of sweep " + config.name() + " was interrupted by a signal",
              null,
              true);
        }
        writeFirstRow();
      }
    } catch (IOException | RuntimeException | Error e) {
      removeHook();
      throw e;
    }
  }

  /**
   * Records the run as SUCCEEDED on {@code devices}.
   *
   * @throws IllegalStateException when a signal ended the run first
   */
  void succeeded(Set<String> devices) throws IOException {
    synchronized (ending) {
      if (ended) {
        throw new IllegalStateException("interrupted by a signal");
      }
      writer.writeRun(RunsTable.SUCCEEDED, started, Instant.now(), devices);
      ended = true;
    }
  }

  /**
   * Records the run as FAILED, unless its lease was lost (then the driver that took it over owns
   * the runs row), and says why, and what the runs row says; an {@link Error} is rethrown as it is.
   */
  RuntimeException failed(Throwable cause) {
    synchronized (ending) {
      return failedOnce(cause);
    }
  }

  private RuntimeException failedOnce(Throwable cause) {
    if (ended) { // a signal ended the run, and recorded it: this is its aftermath
      return new RunFailedException(
          "run " + runId + " of sweep " + config.name() + " was interrupted by a signal",
          cause,
          true);
    }
    ended = true;
    String row = "another driver took its lease over";
    if (stillHeld()) {
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
      ResultsRoot.removeStaging(layout, config.name(), runId, conf);
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
  private void interrupted() {
    synchronized (ending) {
      if (ended) {
        return;
      }
      ended = true;
      String row = "another driver took its lease over";
      if (stillHeld()) {
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

  /** Removes the signal hook (unless the JVM is running it), then releases the lease. */
  @Override
  public void close() {
    removeHook();
    lease.close();
  }

  private void removeHook() {
    if (onSignal != null && !ShutdownHookManager.get().isShutdownInProgress()) {
      ShutdownHookManager.get().removeShutdownHook(onSignal);
    }
  }

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
        file.getFileSystem(conf).create(file, true)) {
      for (int i = 0; i < STATUS_RESERVE_BYTES / block.length; i++) {
        out.write(block);
      }
    } catch (IOException | org.apache.hadoop.fs.FSError e) {
      // Hadoop's local file system throws FSError, an Error, for a full disk.
      ResultsRoot.removeStaging(layout, config.name(), runId, conf);
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
  private void writeFirstRow() throws IOException {
    try {
      writer.writeRun(RunsTable.RUNNING, started, null, Set.of());
    } catch (IOException | RuntimeException e) {
      ResultsRoot.removeStaging(layout, config.name(), runId, conf);
      String start = "run " + runId + " of sweep " + config.name() + " could not start: ";
      if (permissionDenied(e)) {
        throw new UserInputException(
            start
                + "catalog '"
                + writer.catalog().catalog()
                + "' refused to write its runs row ("
                + reason(e)
                + "); does it let this user write to "
                + writer.catalog()
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
      file.getFileSystem(conf).delete(file, false);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", file, e.toString());
    }
  }

  /** Whether this driver still holds the lease, asked of the lease file itself. */
  private boolean stillHeld() {
    try {
      lease.checkHeld();
      return true;
    } catch (IllegalStateException e) {
      return false;
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
}
