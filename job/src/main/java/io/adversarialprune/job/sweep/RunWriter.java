package io.adversarialprune.job.sweep;

import io.adversarialprune.job.RunFailedException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.RunUnits;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.LayersTable;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's writes to its results tables, one commit per table, each only while this driver still
 * holds the run's lease (fencing): its {@code runs} row (the status, for {@link RunGuard}), its
 * {@code engine_checks}, and once its units are done {@code samples} (from its committed units),
 * {@code metrics}, {@code prune_stats} and, with anatomy on, {@code layers}, aggregated from the
 * units' counts ({@link MetricsTable}, {@link WorstCase}, {@link LayersTable}).
 *
 * <p>Driver only. The signal hook writes the runs row from its own thread ({@link RunGuard}).
 */
final class RunWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RunWriter.class);

  private final SparkSession spark;
  private final ResultsCatalog catalog;
  private final SweepConfig config;
  private final ResultsLayout layout;
  private final String runId;
  private final Configuration conf;
  private final RunLease lease;

  RunWriter(
      SparkSession spark,
      ResultsCatalog catalog,
      SweepConfig config,
      ResultsLayout layout,
      String runId,
      RunLease lease) {
    this.spark = spark;
    this.catalog = catalog;
    this.config = config;
    this.layout = layout;
    this.runId = runId;
    this.conf = spark.sparkContext().hadoopConfiguration();
    this.lease = lease;
  }

  /** The catalog written to. */
  ResultsCatalog catalog() {
    return catalog;
  }

  /**
   * Creates the tables or brings them up to date before anything runs: a foreign table exits 2
   * here.
   */
  void prepare() {
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
              + RunGuard.reason(e)
              + "); nothing was recorded",
          e);
    }
  }

  /**
   * Commits the run's {@code samples} (from its committed units), {@code metrics}, {@code
   * prune_stats} and, with anatomy on, {@code layers}, one commit per table; returns the
   * config-level metrics rows.
   */
  List<Row> aggregate(SweepPlan plan, List<RunUnits.Outcome> outcomes) throws IOException {
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
      UnitInfo info = SampleFile.readInfo(file, conf);
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

  /** Replaces this run's {@code runs} row, the run's status. */
  void writeRun(String status, Instant started, Instant ended, Set<String> devices)
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
  void writeChecks(List<EngineCheckRecord> checks, long runNow) throws IOException {
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
}
