package io.adversarialprune.job.sweep;

import static org.apache.spark.sql.functions.col;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.adversarialprune.job.UserInputException;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.data.DatasetReader;
import io.adversarialprune.job.data.ImageDataset;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.Tables;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.Rate;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
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
    long[] bounds = validateInputs();
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
      List<Row> outcomes = execute(units, pending);
      Set<String> devices = new TreeSet<>();
      int computed = 0;
      for (Row r : outcomes) {
        devices.add(r.getString(4));
        computed += r.getBoolean(3) ? 1 : 0;
      }
      List<Row> configMetrics = aggregate();
      cleanStaging();
      writeRun("SUCCEEDED", started, Instant.now(), devices);
      return new Summary(runId, units.size(), computed, configMetrics);
    } catch (RuntimeException | IOException e) {
      try {
        writeRun("FAILED", started, Instant.now(), Set.of());
      } catch (RuntimeException | IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  // ---- step 1: inputs, before anything is written -------------------------------------------

  private long[] validateInputs() throws IOException {
    SweepConfig.ModelConfig m = config.model();
    String dataset = LocalFiles.resolve(config.data().path(), "sweep.data.path");
    Dataset<Row> data;
    try {
      DatasetReader.files(dataset, hadoopConf());
      data = spark.read().option("recursiveFileLookup", "true").parquet(dataset);
    } catch (IOException | RuntimeException e) {
      throw new UserInputException(
          "sweep.data.path: cannot read dataset " + config.data().path() + ": " + e.getMessage(), e);
    }
    checkColumns(data.schema(), config.data().path());
    Dataset<Row> ids = data.select(col(ImageDataset.ID)).orderBy(col(ImageDataset.ID));
    if (config.data().limit() > 0) {
      ids = ids.limit((int) Math.min(Integer.MAX_VALUE, config.data().limit()));
    }
    long[] sorted = ids.as(Encoders.LONG()).collectAsList().stream().mapToLong(Long::longValue).toArray();
    if (sorted.length == 0) {
      throw new UserInputException("sweep.data.path: dataset " + config.data().path() + " is empty");
    }
    long[] bounds = SweepPlan.shardBounds(sorted, config.data().shards());

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
    Row range =
        data.where(col(ImageDataset.ID).between(bounds[0], bounds[bounds.length - 1] - 1))
            .selectExpr("min(label)", "max(label)")
            .first();
    long min = ((Number) range.get(0)).longValue();
    long max = ((Number) range.get(1)).longValue();
    if (min < 0 || max >= classes) {
      throw new UserInputException(
          "column label of dataset " + config.data().path() + " has values in [" + min + ", " + max
              + "], outside the model's classes [0, " + classes + ")");
    }
    // One image through the configured preprocessing proves the model takes the dataset's images.
    DatasetReader.Record first = DatasetReader.read(dataset, bounds[0], bounds[0] + 1, hadoopConf()).get(0);
    try {
      new ImagePreprocessor(m.input().channels(), m.resize(), m.crop())
          .pixels(first.bytes(), "id " + first.id(), m.input());
    } catch (IllegalArgumentException e) {
      throw new UserInputException(
          "dataset " + config.data().path() + " does not fit sweep.model.input: " + e.getMessage(), e);
    }
    return bounds;
  }

  private static void checkColumns(StructType schema, String path) {
    StructField image = field(schema, ImageDataset.IMAGE, path);
    if (!(image.dataType() instanceof StructType s)
        || !hasField(s, ImageDataset.BYTES, DataTypes.BinaryType)) {
      throw new UserInputException(
          "dataset " + path + ": column image must be struct<bytes: binary, path: string>, got "
              + image.dataType().simpleString());
    }
    DataType label = field(schema, ImageDataset.LABEL, path).dataType();
    if (!(label.equals(DataTypes.IntegerType) || label.equals(DataTypes.LongType)
        || label.equals(DataTypes.ShortType) || label.equals(DataTypes.ByteType))) {
      throw new UserInputException(
          "dataset " + path + ": column label must be an integer, got " + label.simpleString());
    }
    if (!field(schema, ImageDataset.ID, path).dataType().equals(DataTypes.LongType)) {
      throw new UserInputException("dataset " + path + ": column id must be a long (see `ingest`)");
    }
  }

  private static StructField field(StructType schema, String name, String path) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new UserInputException(
        "dataset " + path + " has no column " + name + " (has " + String.join(", ", schema.fieldNames())
            + "); convert it with `ingest`");
  }

  private static boolean hasField(StructType s, String name, DataType type) {
    for (StructField f : s.fields()) {
      if (f.name().equals(name) && f.dataType().equals(type)) {
        return true;
      }
    }
    return false;
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
              + config.hash().substring(0, 12) + "); use a new --run-id");
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

  private List<Row> execute(List<Unit> all, List<Unit> pending) throws IOException {
    if (pending.isEmpty()) {
      return List.of();
    }
    Broadcast<SweepConfig> bc = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(config);
    Dataset<Row> rows =
        spark.createDataFrame(Unit.rows(pending), Unit.SCHEMA).repartition(pending.size());
    spark.sparkContext().setJobDescription(
        "sweep " + config.name() + " run " + runId + ": " + pending.size() + " units");
    try (Progress progress = new Progress(all, pending.size())) {
      progress.start();
      return rows.mapPartitions(new RunUnits(bc, layout, runId), Encoders.row(RunUnits.OUTCOME))
          .collectAsList();
    } finally {
      bc.destroy();
    }
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

  /** Per (config, seed) and per config: counts from samples, rates with Wilson intervals. */
  private List<Row> aggregate() throws IOException {
    Map<String, SweepPlan.ConfigEntry> entries = new LinkedHashMap<>();
    for (SweepPlan.ConfigEntry c : SweepPlan.configs(config)) {
      entries.put(c.configId(), c);
    }
    Map<String, double[]> unitInfo = new HashMap<>(); // key config|seed -> {seconds, ratio}
    List<Row> pruneStats = new ArrayList<>();
    readUnitInfo(unitInfo, pruneStats);

    Dataset<Row> samples =
        spark.read()
            .option("recursiveFileLookup", "true")
            .parquet(layout.run(ResultsLayout.SAMPLES, config.name(), runId).toString());
    List<Row> counts =
        samples
            .groupBy("config_id", "seed")
            .agg(
                org.apache.spark.sql.functions.count("*").as("total"),
                org.apache.spark.sql.functions.expr("sum(cast(clean_pred = label as long))"),
                org.apache.spark.sql.functions.expr("sum(cast(adv_pred = label as long))"),
                org.apache.spark.sql.functions.expr("sum(cast(adv_pred <> clean_pred as long))"),
                org.apache.spark.sql.functions.expr(
                    "sum(cast(clean_pred = label and adv_pred <> label as long))"),
                org.apache.spark.sql.functions.expr("sum(cast(linf as double))"),
                org.apache.spark.sql.functions.expr("sum(cast(l2 as double))"))
            .collectAsList();
    Map<String, List<Row>> perConfig = new LinkedHashMap<>();
    for (String id : entries.keySet()) {
      perConfig.put(id, new ArrayList<>());
    }
    for (Row r : counts) {
      perConfig.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
    }
    List<Row> metrics = new ArrayList<>();
    List<Row> configLevel = new ArrayList<>();
    for (Map.Entry<String, List<Row>> e : perConfig.entrySet()) {
      SweepPlan.ConfigEntry c = entries.get(e.getKey());
      OutcomeCounts sum = OutcomeCounts.ZERO;
      double linf = 0;
      double l2 = 0;
      double seconds = 0;
      double ratio = 0;
      e.getValue().sort((a, b) -> Long.compare(a.getLong(1), b.getLong(1)));
      for (Row r : e.getValue()) {
        OutcomeCounts oc =
            new OutcomeCounts(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6));
        double[] info = unitInfo.getOrDefault(e.getKey() + "|" + r.getLong(1), new double[] {0, 0});
        metrics.add(metricsRow(c, "seed", r.getLong(1), 1, oc, info[1], r.getDouble(7), r.getDouble(8), info[0]));
        sum = sum.plus(oc);
        linf += r.getDouble(7);
        l2 += r.getDouble(8);
        seconds += info[0];
        ratio += info[1];
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

  private void readUnitInfo(Map<String, double[]> unitInfo, List<Row> pruneStats) throws IOException {
    org.apache.hadoop.fs.Path run = layout.run(ResultsLayout.SAMPLES, config.name(), runId);
    FileSystem fs = run.getFileSystem(hadoopConf());
    ObjectMapper json = new ObjectMapper();
    Set<String> statsDone = new LinkedHashSet<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(run, true);
    List<FileStatus> files = new ArrayList<>();
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      if (f.getPath().getName().equals(ResultsLayout.UNIT_INFO)) {
        files.add(f);
      }
    }
    files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
    for (FileStatus f : files) {
      JsonNode n;
      try (InputStream in = fs.open(f.getPath())) {
        n = json.readTree(in);
      }
      String key = n.get("config_id").asText() + "|" + n.get("seed").asLong();
      double[] acc = unitInfo.computeIfAbsent(key, k -> new double[2]);
      acc[0] += n.get("seconds").asDouble();
      long elements = n.get("prune_elements").asLong();
      acc[1] = elements == 0 ? 0 : n.get("prune_changed").asDouble() / elements;
      // Every shard of a (config, seed) prunes the same model: keep one copy of its stats.
      if (statsDone.add(key)) {
        for (JsonNode p : n.get("parameters")) {
          pruneStats.add(
              RowFactory.create(
                  config.name(), runId, n.get("config_id").asText(), n.get("seed").asLong(),
                  p.get("parameter").asText(), p.get("elements").asLong(), p.get("changed").asLong(),
                  p.get("mean_before").asDouble(), p.get("std_before").asDouble(),
                  p.get("mean_after").asDouble(), p.get("std_after").asDouble(),
                  p.has("normality_p") ? p.get("normality_p").asDouble() : null));
        }
      }
    }
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

  private void cleanStaging() throws IOException {
    org.apache.hadoop.fs.Path staging = layout.staging(config.name(), runId);
    staging.getFileSystem(hadoopConf()).delete(staging, true);
  }

  private Configuration hadoopConf() {
    return spark.sparkContext().hadoopConfiguration();
  }
}
