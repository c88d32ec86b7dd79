package io.adversarialprune.job.sweep;

import ai.djl.Device;
import io.adversarialprune.job.RunFailedException;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.ResultsRoot;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.SampleFile;
import io.adversarialprune.job.results.Tables;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.Rate;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.prune.ParameterStats;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side of a sweep, as named steps: validate every input before anything is written,
 * plan the units, skip those already committed under this run id, run the rest on executors,
 * aggregate counts into metrics, and write {@code metrics}, {@code prune_stats} and {@code runs}.
 */
public final class SweepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SweepRunner.class);

  /** What a finished run returns (also printed as the study-style table). */
  public record Summary(String runId, int units, int computed, List<Row> configMetrics) {}

  private final SparkSession spark;
  private final SweepConfig config;
  private final ResultsLayout layout;
  private final String runId;

  public SweepRunner(SparkSession spark, SweepConfig config, String resultsRoot, String runId) {
    this.spark = spark;
    this.config = config;
    this.layout = new ResultsLayout(resultsRoot);
    this.runId = runId;
  }

  public Summary run() throws IOException {
    ResultsRoot.checkWritable(layout, hadoopConf());
    long[] bounds = validateInputs();
    // One writer per run id; the lease is released however the run ends.
    scala.Option<String> attempt = spark.sparkContext().applicationAttemptId();
    try (RunLease lease =
        RunLease.acquire(layout, config.name(), runId, spark.sparkContext().applicationId(),
            attempt.isEmpty() ? null : attempt.get(), hadoopConf())) {
      return runHoldingLease(bounds, lease);
    }
  }

  private Summary runHoldingLease(long[] bounds, RunLease lease) throws IOException {
    checkRunIdentity();
    Instant started = Instant.now();
    writeRun("RUNNING", started, null, Set.of());
    try {
      List<Unit> units = SweepPlan.units(config, bounds);
      List<Unit> pending = pending(units);
      LOG.info(
          "sweep {} run {}: {} units ({} configs x {} seeds x {} shards), {} already committed",
          config.name(), runId, units.size(), SweepPlan.configs(config).size(),
          config.seeds().size(), bounds.length - 1, units.size() - pending.size());
      List<RunUnits.Outcome> outcomes = execute(units, pending);
      Set<String> devices = new TreeSet<>();
      int computed = 0;
      for (RunUnits.Outcome o : outcomes) {
        devices.add(o.device());
        computed += o.computed() ? 1 : 0;
      }
      List<Row> configMetrics = aggregate(units, outcomes);
      writeChecks(outcomes.stream().flatMap(o -> o.checks().stream()).toList());
      lease.checkHeld(); // before the commit and the staging cleanup: a new holder shares staging
      writeRun("SUCCEEDED", started, Instant.now(), devices);
      // After the last write, which stages too; tidying only, it cannot fail the run.
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
      return new Summary(runId, units.size(), computed, configMetrics);
    } catch (Throwable e) {
      // Not only RuntimeException and IOException: a failed Spark job throws SparkException, which
      // Java's compiler cannot see, and an Error (a native library that fails to load) ends the run
      // too. Every way out records that the run ended.
      throw failed(started, e, lease);
    }
  }

  /**
   * Records the run as FAILED, unless its lease was lost (then the driver that took it over owns
   * the runs row), and says why; an {@link Error} is rethrown as it is.
   */
  private RuntimeException failed(Instant started, Throwable cause, RunLease lease) {
    boolean owner = lease.lost() == null;
    if (owner) {
      try {
        if (cause instanceof EngineCheckFailedException failed) {
          writeChecks(List.of(failed.record()));
        }
        writeRun("FAILED", started, Instant.now(), Set.of());
      } catch (Throwable suppressed) {
        cause.addSuppressed(suppressed);
      }
      ResultsRoot.removeStaging(layout, config.name(), runId, hadoopConf());
    }
    if (cause instanceof Error error) {
      throw error;
    }
    return new RunFailedException(
        "run " + runId + " of sweep " + config.name() + " failed"
            + (owner ? " (runs status FAILED): " : " (another driver took its lease over): ")
            + reason(cause),
        cause);
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

  // ---- step 1: inputs, before anything is written -------------------------------------------

  private long[] validateInputs() throws IOException {
    SweepConfig.ModelConfig m = config.model();
    DatasetCheck dataset = new DatasetCheck(spark, config.data(), hadoopConf());
    long[] bounds = dataset.shardBounds();
    ImagePreprocessor preprocessor =
        new ImagePreprocessor(m.input().channels(), m.resize(), m.crop());
    DatasetCheck.Labels labels = dataset.checkRows(bounds, preprocessor, m.input());

    int classes;
    Path modelFile = Path.of(LocalFiles.resolve(m.path(), "sweep.model.path"));
    try (Classifier c = Classifier.load(modelFile, Device.cpu(), m.normalization(), m.input())) {
      classes = c.classes();
    } catch (RuntimeException e) {
      throw new UserInputException("sweep.model.path: " + e.getMessage(), e);
    }
    for (SweepConfig.TransferTarget t : config.transfer()) {
      Path file = Path.of(LocalFiles.resolve(t.path(), "sweep.transfer." + t.name()));
      try (Classifier c = Classifier.loadForInference(file, Device.cpu(), m.normalization(), m.input())) {
        if (c.classes() != classes) {
          throw new UserInputException(
              "sweep.transfer " + t.name() + ": model " + t.path() + " has " + c.classes()
                  + " classes, the source model " + classes);
        }
      } catch (UserInputException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new UserInputException("sweep.transfer " + t.name() + ": " + e.getMessage(), e);
      }
    }
    labels.checkWithin(classes);
    dataset.checkFirstImageDecodes(bounds, preprocessor, m.input());
    return bounds;
  }

  /** A run id may be resumed only with the config it started with. */
  private void checkRunIdentity() throws IOException {
    org.apache.hadoop.fs.Path p = layout.run(ResultsLayout.RUNS, config.name(), runId);
    FileSystem fs = p.getFileSystem(hadoopConf());
    if (!fs.exists(p)) {
      return;
    }
    Row prior = spark.read().parquet(p.toString()).select("config_hash").first();
    if (!prior.getString(0).equals(config.hash())) {
      throw new UserInputException(
          "run id " + runId + " of sweep " + config.name() + " was started with a different config"
              + " (hash " + prior.getString(0).substring(0, 12) + ", now "
              + config.hash().substring(0, 12) + "; the hash covers the whole resolved config,"
              + " defaults included, so a newer version of the job changes it too); use a new"
              + " --run-id");
    }
  }

  // ---- step 2: plan and resume -------------------------------------------------------------

  private List<Unit> pending(List<Unit> units) throws IOException {
    FileSystem fs = layout.table(ResultsLayout.SAMPLES).getFileSystem(hadoopConf());
    List<Unit> out = new ArrayList<>();
    for (Unit u : units) {
      if (!fs.exists(layout.unit(config.name(), runId, u.configId(), u.seed(), u.shard()))) {
        out.add(u);
      }
    }
    return out;
  }

  // ---- step 3: execute ---------------------------------------------------------------------

  /**
   * Runs the pending units as {@link #tasks} Spark tasks of consecutive units, without a shuffle.
   * Several units per task amortize the task's fixed cost; each unit still commits on its own.
   */
  private List<RunUnits.Outcome> execute(List<Unit> all, List<Unit> pending) throws IOException {
    if (pending.isEmpty()) {
      return List.of();
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SweepConfig> bc = jsc.broadcast(config);
    int tasks = tasks(pending.size(), jsc.defaultParallelism());
    String group = "sweep-" + config.name() + "-" + runId;
    spark.sparkContext().setJobGroup(group,
        "sweep " + config.name() + " run " + runId + ": " + pending.size() + " units in " + tasks
            + " tasks", false);
    try (Progress progress = new Progress(all, pending.size());
        CheckFailureWatch watch = new CheckFailureWatch(spark.sparkContext(), group)) {
      progress.start();
      List<RunUnits.Outcome> outcomes;
      try {
        outcomes = jsc.parallelize(pending, tasks).mapPartitions(
                new RunUnits(bc, layout, runId, spark.sparkContext().applicationId()))
            .collect();
      } catch (Exception e) { // Spark's SparkException is checked but not declared by collect()
        // An executor whose engine check failed says so itself, not as a stage failure.
        for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
          if (c instanceof EngineCheckFailedException failed) {
            throw failed;
          }
        }
        throw watch.failure().orElseThrow(() -> jobFailure(e));
      }
      // A failed check whose task a retry on another executor then completed.
      if (watch.failure().isPresent()) {
        throw watch.failure().get();
      }
      return outcomes;
    } finally {
      spark.sparkContext().clearJobGroup();
      bc.destroy();
    }
  }

  private static RuntimeException jobFailure(Exception e) {
    return e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
  }

  /**
   * How many tasks run {@code units} units on a cluster of {@code slots} default parallelism: about
   * four per slot, so that the last wave is short and a lost executor loses little, each with as
   * many units as needed to keep to four per slot ({@code parallelize} then splits the units
   * evenly, so task sizes differ by at most one unit), but at most {@link #UNITS_PER_TASK}: default
   * parallelism counts the executor cores registered when the sweep starts, which on a cluster
   * still starting up may be far fewer than it will have. Never more than one task per unit.
   */
  static int tasks(int units, int slots) {
    int perTask =
        Math.min(UNITS_PER_TASK, ceilDiv(Math.max(1, units), 4 * Math.max(1, slots)));
    return ceilDiv(Math.max(1, units), perTask);
  }

  /** Units one task runs at most; enough to share a task's fixed cost (tens of ms). */
  static final int UNITS_PER_TASK = 4;

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** Logs each finished config (done/total and an ETA) by watching committed unit directories. */
  private final class Progress extends Thread implements AutoCloseable {
    private final Map<String, List<Unit>> byConfig = new LinkedHashMap<>();
    private final Set<String> reported = new LinkedHashSet<>();
    private final int alreadyDone;
    private final int byConfigUnits;
    private final long start = System.nanoTime();
    private volatile boolean stop;

    Progress(List<Unit> all, int toRun) {
      super("sweep-progress");
      setDaemon(true);
      this.alreadyDone = all.size() - toRun;
      this.byConfigUnits = all.size();
      for (Unit u : all) {
        byConfig.computeIfAbsent(u.configId(), k -> new ArrayList<>()).add(u);
      }
    }

    @Override
    public void run() {
      try {
        while (!stop) {
          poll();
          Thread.sleep(2000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        LOG.warn("progress polling stopped: {}", e.toString());
      }
    }

    private void poll() throws IOException {
      FileSystem fs = layout.table(ResultsLayout.SAMPLES).getFileSystem(hadoopConf());
      Map<String, Boolean> finished = new LinkedHashMap<>();
      int committedUnits = 0;
      for (Map.Entry<String, List<Unit>> e : byConfig.entrySet()) {
        int done = 0;
        for (Unit u : e.getValue()) {
          if (fs.exists(layout.unit(config.name(), runId, u.configId(), u.seed(), u.shard()))) {
            done++;
          }
        }
        committedUnits += done;
        finished.put(e.getKey(), done == e.getValue().size());
      }
      for (Map.Entry<String, Boolean> e : finished.entrySet()) {
        if (e.getValue() && reported.add(e.getKey())) {
          LOG.info("config {} done ({}/{} configs){}", e.getKey(), reported.size(),
              byConfig.size(), eta(committedUnits));
        }
      }
    }

    /** Remaining time at the pace of the units this run has committed so far. */
    private String eta(int committedUnits) {
      int ranNow = committedUnits - alreadyDone;
      int remaining = byConfigUnits - committedUnits;
      if (ranNow <= 0 || remaining <= 0) {
        return remaining <= 0 ? ", all units committed" : "";
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      return String.format(Locale.ROOT, ", %d/%d units, ETA %.0fs", committedUnits,
          byConfigUnits, elapsed / ranNow * remaining);
    }

    @Override
    public void close() {
      stop = true;
      interrupt();
      try {
        join(5000);
        poll(); // report the configs that finished since the last poll
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        LOG.warn("progress polling failed: {}", e.toString());
      }
    }
  }

  // ---- step 4: aggregate -------------------------------------------------------------------

  private static final StructType METRICS =
      new StructType()
          .add("sweep", DataTypes.StringType)
          .add("run_id", DataTypes.StringType)
          .add("config_id", DataTypes.StringType)
          .add("config_order", DataTypes.IntegerType)
          .add("prune", DataTypes.StringType)
          .add("prune_type", DataTypes.StringType)
          .add("prune_value", DataTypes.DoubleType)
          .add("target", DataTypes.StringType)
          .add("level", DataTypes.StringType)
          .add("seed", DataTypes.LongType)
          .add("seeds", DataTypes.IntegerType)
          .add("total", DataTypes.LongType)
          .add("correct", DataTypes.LongType)
          .add("adv_correct", DataTypes.LongType)
          .add("changed", DataTypes.LongType)
          .add("attacked", DataTypes.LongType)
          .add("clean_acc", DataTypes.DoubleType)
          .add("clean_acc_lower", DataTypes.DoubleType)
          .add("clean_acc_upper", DataTypes.DoubleType)
          .add("remnant_acc", DataTypes.DoubleType)
          .add("remnant_acc_lower", DataTypes.DoubleType)
          .add("remnant_acc_upper", DataTypes.DoubleType)
          .add("pred_change_rate", DataTypes.DoubleType)
          .add("pred_change_rate_lower", DataTypes.DoubleType)
          .add("pred_change_rate_upper", DataTypes.DoubleType)
          .add("strict_asr", DataTypes.DoubleType)
          .add("strict_asr_lower", DataTypes.DoubleType)
          .add("strict_asr_upper", DataTypes.DoubleType)
          .add("prune_ratio", DataTypes.DoubleType)
          .add("mean_linf", DataTypes.DoubleType)
          .add("mean_l2", DataTypes.DoubleType)
          .add("images_per_sec", DataTypes.DoubleType);

  private static final StructType PRUNE_STATS =
      new StructType()
          .add("sweep", DataTypes.StringType)
          .add("run_id", DataTypes.StringType)
          .add("config_id", DataTypes.StringType)
          .add("seed", DataTypes.LongType)
          .add("parameter", DataTypes.StringType)
          .add("elements", DataTypes.LongType)
          .add("changed", DataTypes.LongType)
          .add("mean_before", DataTypes.DoubleType)
          .add("std_before", DataTypes.DoubleType)
          .add("mean_after", DataTypes.DoubleType)
          .add("std_after", DataTypes.DoubleType)
          .add("normality_p", DataTypes.DoubleType);

  /**
   * Per (config, seed) and per config: counts summed over the units' {@link UnitInfo} (returned by
   * the tasks that committed them, else read from their files), rates with Wilson intervals.
   */
  private List<Row> aggregate(List<Unit> units, List<RunUnits.Outcome> outcomes)
      throws IOException {
    Map<String, SweepPlan.ConfigEntry> entries = new LinkedHashMap<>();
    for (SweepPlan.ConfigEntry c : SweepPlan.configs(config)) {
      entries.put(c.configId(), c);
    }
    Map<Unit, UnitInfo> infos = unitInfos(units, outcomes);
    // config -> seed (ascending) -> that seed's units in shard order
    Map<String, TreeMap<Long, List<UnitInfo>>> perConfig = new LinkedHashMap<>();
    for (String id : entries.keySet()) {
      perConfig.put(id, new TreeMap<>());
    }
    for (Unit u : units) {
      perConfig.get(u.configId()).computeIfAbsent(u.seed(), k -> new ArrayList<>()).add(infos.get(u));
    }
    List<Row> metrics = new ArrayList<>();
    List<Row> configLevel = new ArrayList<>();
    List<Row> pruneStats = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, List<UnitInfo>>> e : perConfig.entrySet()) {
      SweepPlan.ConfigEntry c = entries.get(e.getKey());
      OutcomeCounts sum = OutcomeCounts.ZERO;
      double linf = 0;
      double l2 = 0;
      double seconds = 0;
      double ratio = 0;
      for (Map.Entry<Long, List<UnitInfo>> s : e.getValue().entrySet()) {
        OutcomeCounts oc = OutcomeCounts.ZERO;
        double seedLinf = 0;
        double seedL2 = 0;
        double seedSeconds = 0;
        for (UnitInfo u : s.getValue()) {
          oc = oc.plus(u.counts());
          seedLinf += u.linfSum();
          seedL2 += u.l2Sum();
          seedSeconds += u.seconds();
        }
        // Every shard of a (config, seed) prunes the same model: the first shard's report stands.
        UnitInfo first = s.getValue().get(0);
        for (ParameterStats p : first.parameters()) {
          pruneStats.add(
              RowFactory.create(
                  config.name(), runId, e.getKey(), s.getKey(), p.name(), p.elements(),
                  p.changed(), p.meanBefore(), p.stdBefore(), p.meanAfter(), p.stdAfter(),
                  p.normalityP()));
        }
        metrics.add(
            metricsRow(c, "seed", s.getKey(), 1, oc, first.pruneRatio(), seedLinf, seedL2,
                seedSeconds));
        sum = sum.plus(oc);
        linf += seedLinf;
        l2 += seedL2;
        seconds += seedSeconds;
        ratio += first.pruneRatio();
      }
      int seeds = e.getValue().size();
      if (seeds > 0) {
        Row row = metricsRow(c, "config", null, seeds, sum, ratio / seeds, linf, l2, seconds);
        metrics.add(row);
        configLevel.add(row);
      }
    }
    Tables.replaceRun(spark, layout, ResultsLayout.METRICS, config.name(), runId,
        spark.createDataFrame(metrics, METRICS));
    Tables.replaceRun(spark, layout, ResultsLayout.PRUNE_STATS, config.name(), runId,
        spark.createDataFrame(pruneStats, PRUNE_STATS));
    return configLevel;
  }

  private Row metricsRow(
      SweepPlan.ConfigEntry c, String level, Long seed, int seeds, OutcomeCounts oc,
      double pruneRatio, double linfSum, double l2Sum, double seconds) {
    Rate clean = Rate.of(oc.correct(), oc.total());
    Rate remnant = Rate.of(oc.advCorrect(), oc.total());
    Rate change = Rate.of(oc.changed(), oc.total());
    Rate asr = Rate.of(oc.attacked(), oc.correct());
    return new org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema(new Object[] {
        config.name(), runId, c.configId(), c.order(), c.prune(), c.pruneType(), c.pruneValue(),
        c.target(), level, seed, seeds, oc.total(), oc.correct(), oc.advCorrect(), oc.changed(),
        oc.attacked(),
        clean.value(), clean.lower(), clean.upper(),
        remnant.value(), remnant.lower(), remnant.upper(),
        change.value(), change.lower(), change.upper(),
        asr.value(), asr.lower(), asr.upper(),
        pruneRatio, linfSum / oc.total(), l2Sum / oc.total(),
        seconds > 0 ? oc.total() / seconds : null}, METRICS);
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
              layout.unit(config.name(), runId, u.configId(), u.seed(), u.shard()),
              ResultsLayout.SAMPLE_FILE);
      UnitInfo info = SampleFile.readInfo(file, hadoopConf());
      if (!info.configId().equals(u.configId()) || info.seed() != u.seed()
          || info.shard() != u.shard()) {
        throw new IOException(file + " holds unit " + info.configId() + " seed " + info.seed()
            + " shard " + info.shard() + ", not the unit its directory names");
      }
      infos.put(u, info);
    }
    return infos;
  }

  // ---- step 5: the runs table ----------------------------------------------------------------

  private static final StructType RUNS =
      new StructType()
          .add("sweep", DataTypes.StringType)
          .add("run_id", DataTypes.StringType)
          .add("status", DataTypes.StringType)
          .add("started_at", DataTypes.TimestampType)
          .add("ended_at", DataTypes.TimestampType)
          .add("device", DataTypes.StringType)
          .add("spark_master", DataTypes.StringType)
          .add("app_id", DataTypes.StringType)
          .add("config_hash", DataTypes.StringType)
          .add("config", DataTypes.StringType);

  private void writeRun(String status, Instant started, Instant ended, Set<String> devices)
      throws IOException {
    Row row =
        RowFactory.create(
            config.name(), runId, status, Timestamp.from(started),
            ended == null ? null : Timestamp.from(ended),
            devices.isEmpty() ? null : String.join(",", devices),
            spark.sparkContext().master(), spark.sparkContext().applicationId(),
            config.hash(), config.rendered());
    Tables.replaceRun(spark, layout, ResultsLayout.RUNS, config.name(), runId,
        spark.createDataFrame(List.of(row), RUNS));
    LOG.info("run {} of sweep {}: {}{}", runId, config.name(), status,
        devices.isEmpty() ? "" : " on " + devices);
  }

  /**
   * Writes this driver's engine checks to {@code engine_checks/SWEEP/RUN_ID/APP_ID}: a resumed run
   * keeps the checks of the attempts whose units it reuses.
   */
  private void writeChecks(List<EngineCheckRecord> checks) throws IOException {
    if (checks.isEmpty()) {
      return;
    }
    org.apache.hadoop.fs.Path dir =
        new org.apache.hadoop.fs.Path(
            layout.run(ResultsLayout.ENGINE_CHECKS, config.name(), runId),
            spark.sparkContext().applicationId());
    Tables.replace(spark, layout, dir, config.name(), runId,
        spark.createDataFrame(EngineCheckRecord.rows(checks, config.name(), runId),
            EngineCheckRecord.SCHEMA));
    long failed = checks.stream().filter(c -> !c.report().passed()).count();
    LOG.info("engine checks: {} run, {} failed", checks.size(), failed);
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
