package io.adversarialprune.job.sweep;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.job.cache.LocalFiles;
import io.adversarialprune.job.cache.ShardCache;
import io.adversarialprune.job.check.ExecutorChecks;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.AdversarialImages;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.SampleFile;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.udfs.attack.Predictions;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.ModelPool;
import io.adversarialprune.udfs.exec.UnitExecutor;
import io.adversarialprune.udfs.exec.UnitResult;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.prune.PruneReport;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.WeightPruner;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceInformation;

/**
 * The executor side of the sweep: runs each unit of its partition (a task runs several units, in
 * order) on a model slot borrowed from the per-JVM {@link ModelPool} for the whole task (one
 * classifier per concurrent task, loaded once), with the shard from the per-JVM {@link ShardCache}.
 * Consecutive units of one (config, seed) share one pruning: the plan orders a (config, seed,
 * shard)'s attacks next to each other, the slot is pruned when the (prune spec, seed) changes and
 * restored when the task ends, and commits each unit's samples file (with its {@link UnitInfo} in
 * the footer) by one rename. A unit already committed (by an earlier run with the same run id, or
 * an earlier attempt of this task) is skipped, so retries and reruns never duplicate rows.
 *
 * <p>Fields are serializable values and a broadcast only; heavy state lives in per-JVM holders.
 */
public final class RunUnits implements FlatMapFunction<Iterator<Unit>, RunUnits.Outcome> {
  private static final long serialVersionUID = 1L;

  /**
   * What each unit reports back to the driver (small).
   *
   * @param unit the unit
   * @param computed whether this task computed it (false: it was committed already)
   * @param device where this task ran
   * @param info the committed unit's info when this task's attempt is the one committed, else null
   *     (committed already, e.g. by a failed earlier attempt of this task, or by another attempt:
   *     the driver then reads it from the unit's file)
   * @param checks the engine checks this unit's model slot ran before it attacked (usually none: a
   *     slot is checked once per JVM and batch size)
   */
  public record Outcome(
      Unit unit, boolean computed, String device, UnitInfo info, List<EngineCheckRecord> checks)
      implements java.io.Serializable {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunUnits.class);

  private static final String HOST = hostName();

  /** One pruner per pooled classifier (identity keys: a classifier is never shared by threads). */
  private static final Map<Classifier, WeightPruner> PRUNERS = new ConcurrentHashMap<>();

  private final Broadcast<SweepConfig> config;
  private final ResultsLayout layout;
  private final String runId;
  private final String appId;

  public RunUnits(Broadcast<SweepConfig> config, ResultsLayout layout, String runId, String appId) {
    this.config = config;
    this.layout = layout;
    this.runId = runId;
    this.appId = appId;
  }

  @Override
  public Iterator<Outcome> call(Iterator<Unit> units) throws Exception {
    SweepConfig cfg = config.value();
    Configuration conf = new Configuration();
    List<Outcome> out = new ArrayList<>();
    try (Slot slot = new Slot(cfg, taskDevice())) {
      while (units.hasNext()) {
        out.add(runOne(cfg, units.next(), conf, slot));
      }
    }
    return out.iterator();
  }

  private Outcome runOne(SweepConfig cfg, Unit unit, Configuration conf, Slot slot)
      throws IOException {
    org.apache.hadoop.fs.Path finalDir = layout.unit(cfg.name(), runId, unit);
    FileSystem fs = finalDir.getFileSystem(conf);
    if (fs.exists(finalDir)) {
      return new Outcome(unit, false, slot.device.toString(), null, List.of());
    }
    setThreads(cfg);
    SweepConfig.ModelConfig m = cfg.model();
    Batch shard =
        ShardCache.shared()
            .get(
                new ShardCache.Key(
                    LocalFiles.resolve(cfg.data().path(), "sweep.data.path"),
                    unit.idFrom(),
                    unit.idTo(),
                    new ImagePreprocessor(m.input().channels(), m.resize(), m.crop()),
                    m.input()),
                cfg.engine().shardCacheMb() << 20);
    Classifier source = slot.classifier();
    // Before this slot attacks anything: its gradients, checked where they are computed.
    List<EngineCheckRecord> checks =
        ExecutorChecks.ensure(cfg, source, shard, appId + "/" + runId, executorId(), HOST);
    PruneReport report = slot.prune(unit.config().prune(), unit.seed());
    UnitResult result;
    try {
      if (unit.config().target() == null) {
        result =
            UnitExecutor.run(
                source,
                null,
                unit.seed(),
                List.of(shard),
                unit.attack().spec().attack(),
                cfg.attack().batchSize(),
                unit.keepAdversarial());
      } else {
        result = runTransfer(cfg, unit, source, shard);
      }
    } catch (RuntimeException | Error e) {
      slot.broken = true;
      throw e;
    }
    long judged = System.nanoTime();
    int[] baselineAdvPred =
        unit.baseline() == null ? null : judgeBaseline(cfg, unit, source, shard, conf);
    if (baselineAdvPred != null) {
      LOG.info(
          "unit {}: attacked in {} s, judged the baseline's adversarial images in {} s",
          unit.describe(),
          String.format(java.util.Locale.ROOT, "%.3f", result.seconds()),
          String.format(java.util.Locale.ROOT, "%.3f", (System.nanoTime() - judged) / 1e9));
    }
    UnitInfo info =
        UnitInfo.of(unit, result, baselineAdvPred, slot.device.toString(), HOST, report);
    boolean committed = commit(cfg, unit, result, baselineAdvPred, info, fs, conf, finalDir);
    return new Outcome(unit, true, slot.device.toString(), committed ? info : null, checks);
  }

  /**
   * One task's model slot: borrowed on first use and held until the task ends, pruned for one
   * (prune spec, seed) at a time. A slot whose weights may still be pruned never goes back to the
   * pool: if a restore (or anything while pruned) fails, the classifier is discarded.
   */
  private static final class Slot implements AutoCloseable {
    private final SweepConfig cfg;
    private final Device device;
    private ModelPool.Lease lease;
    private WeightPruner pruner;
    private PruneSpec prunedSpec;
    private long prunedSeed;
    private PruneReport report;
    private boolean pruned;
    private boolean broken;

    Slot(SweepConfig cfg, Device device) {
      this.cfg = cfg;
      this.device = device;
    }

    Classifier classifier() {
      if (lease == null) {
        SweepConfig.ModelConfig m = cfg.model();
        lease =
            ModelPool.shared()
                .borrow(
                    new ModelPool.Key(
                        Path.of(LocalFiles.resolve(m.path(), "sweep.model.path")),
                        device,
                        m.normalization(),
                        m.input(),
                        Classifier.Mode.DIFFERENTIABLE,
                        cfg.engine().memoryFormat()));
      }
      return lease.classifier();
    }

    /** The slot's model pruned by {@code spec} for {@code seed} (a no-op when it already is). */
    PruneReport prune(PruneSpec spec, long seed) {
      if (pruned && spec.equals(prunedSpec) && seed == prunedSeed) {
        return report;
      }
      Classifier source = classifier();
      if (pruner == null) {
        pruner = PRUNERS.computeIfAbsent(source, c -> new WeightPruner(c.parameters()));
      }
      try {
        if (pruned) {
          pruned = false;
          pruner.restore();
        }
        pruned = true;
        report = pruner.apply(spec, seed);
        prunedSpec = spec;
        prunedSeed = seed;
        return report;
      } catch (RuntimeException | Error e) {
        broken = true;
        throw e;
      }
    }

    @Override
    public void close() {
      if (lease == null) {
        return;
      }
      try {
        if (pruned && !broken) {
          pruner.restore();
          pruned = false;
        }
      } catch (RuntimeException | Error e) {
        broken = true;
        throw e;
      } finally {
        if (broken || pruned) {
          // A slot whose weights may still be pruned must never serve another unit.
          Classifier source = lease.classifier();
          PRUNERS.remove(source);
          ExecutorChecks.forget(source);
          if (pruner != null) {
            pruner.close();
          }
          lease.discard();
        }
        lease.close();
      }
    }
  }

  private static UnitResult runTransfer(
      SweepConfig cfg, Unit unit, Classifier source, Batch shard) {
    SweepConfig.TransferTarget t = unit.config().target();
    SweepConfig.ModelConfig m = cfg.model();
    Path file = Path.of(LocalFiles.resolve(t.path(), "sweep.transfer." + t.name()));
    // Quantized targets run on CPU only.
    ModelPool.Key key =
        new ModelPool.Key(
            file,
            Device.cpu(),
            m.normalization(),
            m.input(),
            Classifier.Mode.INFERENCE,
            cfg.engine().memoryFormat());
    try (ModelPool.Lease target = ModelPool.shared().borrow(key)) {
      return UnitExecutor.run(
          source,
          target.classifier(),
          unit.seed(),
          List.of(shard),
          unit.attack().spec().attack(),
          cfg.attack().batchSize(),
          false);
    }
  }

  /**
   * The (pruned) source's predictions on the baseline unit's adversarial images of the same attack,
   * seed and shard: transfer from baseline. One forward pass per batch; the baseline is never
   * attacked again.
   */
  private int[] judgeBaseline(
      SweepConfig cfg, Unit unit, Classifier source, Batch shard, Configuration conf)
      throws IOException {
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path(
            layout.unit(cfg.name(), runId, unit.baselineUnit()), AdversarialImages.FILE);
    AdversarialImages adv = AdversarialImages.read(file, conf);
    if (!java.util.Arrays.equals(adv.ids(), shard.ids())
        || adv.perImage() != source.inputShape().pixels()) {
      throw new IOException(
          file
              + " holds other images than shard "
              + unit.shard()
              + " of this unit ("
              + unit.describe()
              + ")");
    }
    int n = shard.size();
    int batch = cfg.attack().batchSize();
    int per = adv.perImage();
    int[] out = new int[n];
    for (int from = 0; from < n; from += batch) {
      int to = Math.min(n, from + batch);
      int[] labels = java.util.Arrays.copyOfRange(shard.labels(), from, to);
      float[] pixels = java.util.Arrays.copyOfRange(adv.pixels(), from * per, to * per);
      System.arraycopy(
          Predictions.of(source, labels, pixels).predictions(), 0, out, from, to - from);
    }
    return out;
  }

  /** Writes the unit to staging and renames it into place; false if another attempt won. */
  private boolean commit(
      SweepConfig cfg,
      Unit unit,
      UnitResult result,
      int[] baselineAdvPred,
      UnitInfo info,
      FileSystem fs,
      Configuration conf,
      org.apache.hadoop.fs.Path finalDir)
      throws IOException {
    TaskContext task = TaskContext.get();
    // Unique across drivers too: task attempt ids restart at 0 in every application.
    String attempt = appId + "-" + (task == null ? System.nanoTime() : task.taskAttemptId());
    org.apache.hadoop.fs.Path staging = layout.unitAttempt(cfg.name(), runId, unit, attempt);
    SampleFile.write(
        new org.apache.hadoop.fs.Path(staging, ResultsLayout.SAMPLE_FILE),
        cfg.name(),
        runId,
        unit,
        result.samples(),
        baselineAdvPred,
        info,
        conf);
    if (unit.keepAdversarial()) {
      long[] ids = result.samples().stream().mapToLong(s -> s.id()).toArray();
      new AdversarialImages(ids, result.adversarial(), cfg.model().input().pixels())
          .write(new org.apache.hadoop.fs.Path(staging, AdversarialImages.FILE), conf);
    }
    return commitDir(fs, staging, finalDir);
  }

  /**
   * Renames {@code staging} to {@code finalDir}, the commit of a unit; false (and {@code staging}
   * gone) if another attempt committed first, whose result then stands. Renaming onto a directory
   * that exists does not fail on HDFS or on Hadoop's local file system: it moves (or copies) the
   * source inside it. So an attempt that loses the race between the existence check and the rename
   * looks for itself inside the winner's directory and takes itself back out.
   */
  static boolean commitDir(
      FileSystem fs, org.apache.hadoop.fs.Path staging, org.apache.hadoop.fs.Path finalDir)
      throws IOException {
    fs.mkdirs(finalDir.getParent());
    if (fs.exists(finalDir)) {
      fs.delete(staging, true);
      return false;
    }
    return renameUnlessTaken(fs, staging, finalDir);
  }

  /** The rename of {@link #commitDir} after its existence check, for a winner that came between. */
  static boolean renameUnlessTaken(
      FileSystem fs, org.apache.hadoop.fs.Path staging, org.apache.hadoop.fs.Path finalDir)
      throws IOException {
    boolean renamed = fs.rename(staging, finalDir);
    org.apache.hadoop.fs.Path nested = new org.apache.hadoop.fs.Path(finalDir, staging.getName());
    if (!renamed || fs.exists(nested)) {
      fs.delete(nested, true);
      fs.delete(staging, true);
      return false;
    }
    return true;
  }

  private static String executorId() {
    SparkEnv env = SparkEnv.get();
    return env == null ? "local" : env.executorId();
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The task's GPU if Spark scheduled one ("gpu" resource), else the CPU. */
  static Device taskDevice() {
    TaskContext task = TaskContext.get();
    if (task != null) {
      ResourceInformation gpu = task.resourcesJMap().get("gpu");
      if (gpu != null && gpu.addresses().length > 0) {
        return Device.gpu(Integer.parseInt(gpu.addresses()[0].trim()));
      }
    }
    return Device.cpu();
  }

  private static void setThreads(SweepConfig cfg) {
    int threads = cfg.engine().intraOpThreads();
    if (threads == 0) {
      TaskContext task = TaskContext.get();
      threads = task == null ? 1 : Math.max(1, task.cpus());
    }
    // JniUtils is only bound to libtorch once the engine has loaded it. In local mode the driver
    // has done that already in the same JVM; a fresh executor JVM has not, and the first JNI call
    // would fail with UnsatisfiedLinkError.
    ai.djl.engine.Engine.getEngine("PyTorch");
    if (JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
  }
}
