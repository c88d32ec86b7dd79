package io.adversarialprune.job.sweep;

import io.adversarialprune.job.check.InputCheck;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.executor.RunUnits;
import io.adversarialprune.job.executor.UnitCommit;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.MetricsTable;
import io.adversarialprune.job.results.ResultsCatalog;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.ResultsRoot;
import io.adversarialprune.job.results.RunsTable;
import io.adversarialprune.job.results.Tables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a sweep, as named steps: check every input before anything is written ({@link
 * InputCheck}), take the run's lease and record its status however it ends ({@link RunGuard}), plan
 * the units ({@link SweepPlan}), skip those already committed under this run id, run the rest on
 * executors ({@link UnitTasks}), aggregate their counts and write {@code samples}, {@code metrics},
 * {@code prune_stats}, {@code layers}, {@code engine_checks} and {@code runs} ({@link RunWriter}).
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
    try (RunGuard guard = RunGuard.acquire(spark, config, layout, runId)) {
      return runGuarded(inputs, guard);
    }
  }

  private Summary runGuarded(InputCheck.Inputs inputs, RunGuard guard) throws IOException {
    RunWriter writer = new RunWriter(spark, catalog, config, layout, runId, guard.lease());
    writer.prepare();
    InputCheck.runIdentity(catalog, config, runId);
    Summary done = succeededAlready(inputs);
    if (done != null) {
      return done;
    }
    guard.start(writer);
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
          new UnitTasks(spark, config, layout, runId, guard.lease().token())
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
      guard.succeeded(devices);
      HaltPoint.after("succeeded");
      // After the last write; tidying only, it cannot fail the run. The samples table holds the
      // units now; a later run with this id finds the run succeeded (succeededAlready).
      guard.lease().checkHeld();
      ResultsRoot.removeUnits(layout, config.name(), runId, hadoopConf());
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
      return new Summary(runId, units.size(), computed, configMetrics);
    } catch (Throwable e) {
      // Not only RuntimeException and IOException: a failed Spark job throws SparkException, which
      // Java's compiler cannot see, and an Error (a native library that fails to load) ends the run
      // too. Every way out records that the run ended.
      throw guard.failed(e);
    }
  }

  // ---- plan and resume -----------------------------------------------------------------------

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
