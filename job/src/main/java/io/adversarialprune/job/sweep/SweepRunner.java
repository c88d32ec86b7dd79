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
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.LayersTable;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.ResultsRoot;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.SampleFile;
import io.adversarialprune.job.results.Tables;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.job.results.WorstCase;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a sweep, as named steps: check every input before anything is written ({@link
 * InputCheck}), take the run's lease, plan the units ({@link SweepPlan}), skip those already
 * committed under this run id, run the rest on executors ({@link UnitTasks}), aggregate their
 * counts ({@link MetricsTable}, {@link WorstCase}) and write {@code metrics}, {@code prune_stats},
 * {@code engine_checks} and {@code runs}.
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

  /** Set once the lease is taken: every write checks it first (fencing). */
  private RunLease lease;

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
    this.lease = lease;
    // Tables created or brought up to date before anything runs: a foreign table exits 2 here.
    try {
      catalog.prepare();
    } catch (org.apache.hadoop.fs.FSError e) {
      throw new RunFailedException(
          "run "
              + runId
              + " of sweep "
              + config.name()
              + " could not start: cannot create its tables in "
              + catalog
              + " (is the disk full? "
              + reason(e)
              + "); nothing was recorded",
          e);
    }
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
      writeChecks(
          UnitCommit.committedChecks(
              layout.units(config.name(), runId).getFileSystem(hadoopConf()),
              layout.units(config.name(), runId)),
          checked);
      List<Row> configMetrics = aggregate(plan, outcomes);
      synchronized (ending) {
        if (ended) {
          throw new IllegalStateException("interrupted by a signal");
        }
        writeRun(RunsTable.SUCCEEDED, started, Instant.now(), devices);
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
        writeRun(RunsTable.FAILED, started, Instant.now(), Set.of());
      } catch (Throwable suppressed) {
        cause.addSuppressed(suppressed);
        // Only what was written may be claimed.
        row = "its runs row could not be updated and still says RUNNING: " + suppressed;
      }
      if (cause instanceof EngineCheckFailedException failed) {
        try {
          writeChecks(List.of(failed.record()), 1);
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
          writeRun(RunsTable.INTERRUPTED, started, Instant.now(), Set.of());
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
      writeRun(RunsTable.RUNNING, started, null, Set.of());
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
  private static String reason(Throwable e) {
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

  // ---- step 4: aggregate -------------------------------------------------------------------

  /**
   * Commits the run's {@code samples} (from its committed units), {@code metrics}, {@code
   * prune_stats} and, with anatomy on, {@code layers}, one commit per table; returns the
   * config-level metrics rows.
   */
  private List<Row> aggregate(SweepPlan plan, List<RunUnits.Outcome> outcomes) throws IOException {
    Map<Unit, UnitInfo> infos = unitInfos(plan.units(), outcomes);
    Map<WorstCase.Key, WorstCase.Counts> worst =
        plan.attacks().size() > 1
            ? WorstCase.counts(spark, layout, config.name(), runId, plan.attacks().size())
            : Map.of();
    MetricsTable.Aggregate a = MetricsTable.aggregate(config.name(), runId, plan, infos, worst);
    commit(
        Tables.SAMPLES.name(),
        spark
            .read()
            .schema(SampleFile.SPARK_SCHEMA)
            .option("recursiveFileLookup", "true")
            .parquet(layout.units(config.name(), runId).toString()));
    commit(Tables.METRICS.name(), a.metrics());
    commit(Tables.PRUNE_STATS.name(), a.pruneStats());
    if (config.anatomy()) {
      commit(Tables.LAYERS.name(), LayersTable.aggregate(config.name(), runId, plan, infos));
    }
    return a.configLevel();
  }

  /**
   * The info of every unit of the run: as returned by the task that committed it, else (committed
   * by an earlier run with this run id, by a failed earlier attempt of a retried task, or by a
   * concurrent attempt) read from its file's footer.
   */
  private Map<Unit, UnitInfo> unitInfos(List<Unit> units, List<RunUnits.Outcome> outcomes)
      throws IOException {
    Map<Unit, UnitInfo> infos = new HashMap<>();
    for (RunUnits.Outcome o : outcomes) {
      if (o.info() != null) {
        infos.put(o.unit(), o.info());
      }
    }
    for (Unit u : units) {
      if (infos.containsKey(u)) {
        continue;
      }
      org.apache.hadoop.fs.Path file =
          new org.apache.hadoop.fs.Path(
              layout.unit(config.name(), runId, u), ResultsLayout.SAMPLE_FILE);
      UnitInfo info = SampleFile.readInfo(file, hadoopConf());
      if (!info.describes(u)) {
        throw new IOException(
            file
                + " holds unit "
                + info.configId()
                + "/"
                + info.attack()
                + "/seed-"
                + info.seed()
                + "/shard-"
                + info.shard()
                + ", not the unit its directory names");
      }
      infos.put(u, info);
    }
    return infos;
  }

  // ---- step 5: the runs table ----------------------------------------------------------------

  private void writeRun(String status, Instant started, Instant ended, Set<String> devices)
      throws IOException {
    lease.checkHeld();
    catalog.replaceRunDirectly(
        Tables.RUNS.name(), config.name(), runId, List.of(runRow(status, started, ended, devices)));
    LOG.info(
        "run {} of sweep {}: {}{}",
        runId,
        config.name(),
        status,
        devices.isEmpty() ? "" : " on " + devices);
  }

  /** This run's {@code runs} row. */
  private Row runRow(String status, Instant started, Instant ended, Set<String> devices) {
    return RunsTable.row(
        config.name(),
        runId,
        status,
        started,
        ended,
        devices,
        spark.sparkContext().master(),
        spark.sparkContext().applicationId(),
        config.hash(),
        config.rendered());
  }

  /**
   * Adds this driver's engine checks to the run's {@code engine_checks} rows, in one commit: a
   * resumed run keeps the checks of the attempts whose units it reuses.
   */
  private void writeChecks(List<EngineCheckRecord> checks, long runNow) throws IOException {
    if (checks.isEmpty()) {
      return;
    }
    // The run's rows so far (a failed attempt's failing check) and these, each once.
    java.util.Map<String, Row> rows = new java.util.LinkedHashMap<>();
    for (Row r : catalog.readRun(Tables.ENGINE_CHECKS.name(), config.name(), runId)) {
      Row ours = Tables.ENGINE_CHECKS.rowFrom(r);
      rows.put(checkKey(ours), ours);
    }
    for (Row r : EngineCheckRecord.rows(checks, config.name(), runId)) {
      rows.put(checkKey(r), r);
    }
    commit(Tables.ENGINE_CHECKS.name(), new ArrayList<>(rows.values()));
    long failed = checks.stream().filter(c -> !c.report().passed()).count();
    LOG.info(
        "engine checks: {} of the run's units ({} run now), {} failed",
        checks.size(),
        runNow,
        failed);
  }

  /** What tells two engine-check rows apart: where and when each ran, at which batch size. */
  private static String checkKey(Row r) {
    Object when = r.getAs("checked_at");
    if (when instanceof java.sql.Timestamp t) {
      // The table keeps microseconds, a check read from its unit's file nanoseconds: compare the
      // microseconds, or a resumed run records every check it reads again a second time.
      when = t.toInstant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
    return r.getAs("executor")
        + "|"
        + r.getAs("host")
        + "|"
        + r.getAs("device")
        + "|"
        + r.getAs("batch_size")
        + "|"
        + when;
  }

  /**
   * Replaces this run's rows of {@code table} with {@code rows}, in one commit, if this driver
   * still holds the run's lease: a driver that lost it (frozen, then resumed after another took the
   * run over) writes nothing.
   */
  private void commit(String table, Dataset<Row> rows) {
    lease.checkHeld();
    catalog.replaceRun(table, config.name(), runId, rows);
    HaltPoint.after(table);
  }

  /** {@link #commit(String, Dataset)} of the driver's own rows: no Spark job for a few rows. */
  private void commit(String table, List<Row> rows) throws IOException {
    lease.checkHeld();
    catalog.replaceRunDirectly(table, config.name(), runId, rows);
    HaltPoint.after(table);
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
