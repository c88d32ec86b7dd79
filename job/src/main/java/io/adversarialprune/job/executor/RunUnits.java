package io.adversarialprune.job.executor;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.job.config.ModelConfig;
import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.config.TransferTarget;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.job.results.ResultsLayout;
import io.adversarialprune.job.results.RunLease;
import io.adversarialprune.job.results.UnitInfo;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.ModelPool;
import io.adversarialprune.udfs.exec.ModelSlot;
import io.adversarialprune.udfs.exec.UnitExecutor;
import io.adversarialprune.udfs.exec.UnitResult;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.ImagePreprocessor;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Probes;
import io.adversarialprune.udfs.prune.ActivationClamp;
import io.adversarialprune.udfs.prune.PruneReport;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.resource.ResourceInformation;

/**
 * The executor side of the sweep: runs each unit of its partition in order, through the stages
 * shard (decoded once per JVM, {@link ShardCache}) → engine check ({@link ExecutorChecks}) → prune
 * → attack ({@link UnitExecutor}) → judge the baseline's adversarial images ({@link BaselineJudge})
 * → commit ({@link UnitCommit}). A unit already committed is skipped.
 *
 * <p>A task borrows one model slot from the JVM's {@link ExecutorCache} for all its units and
 * returns it, restored, when it ends. Consecutive units of one (config, seed) share one pruning:
 * the plan orders a (config, seed, shard)'s attacks next to each other, and the slot re-prunes only
 * when the (prune spec, seed) changes. A slot whose prune or attack failed is discarded.
 *
 * <p>A config with a feature-map clamp (grid kind A) is calibrated in the prune stage, on the
 * calibration images (decoded once per JVM like a shard), and its units attack the slot's clamped
 * classifier ({@link ModelSlot#network}) with the gradient their attack asks for ({@link
 * NamedAttack#clampGradient()}). The engine check then runs once more per clamp, through it.
 *
 * <p>Fields are serializable values and a broadcast only; heavy state lives in the JVM's {@link
 * ExecutorCache}.
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
      implements Serializable {}

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunUnits.class);

  private static final String HOST = hostName();

  private final Broadcast<SweepConfig> config;
  private final ResultsLayout layout;
  private final String runId;
  private final String appId;
  private final String leaseToken;
  private final long[] calibration;

  /**
   * @param leaseToken the driver's lease token ({@link RunLease#token()}): a unit commits only
   *     while the run's lease file still names it
   * @param calibration the feature-map clamp's calibration ids {@code [from, to)}, or null when no
   *     config clamps
   */
  public RunUnits(
      Broadcast<SweepConfig> config,
      ResultsLayout layout,
      String runId,
      String appId,
      String leaseToken,
      long[] calibration) {
    this.config = config;
    this.layout = layout;
    this.runId = runId;
    this.appId = appId;
    this.leaseToken = leaseToken;
    this.calibration = calibration == null ? null : calibration.clone();
  }

  @Override
  public Iterator<Outcome> call(Iterator<Unit> units) throws Exception {
    SweepConfig cfg = config.value();
    UnitCommit commit =
        new UnitCommit(layout, cfg.name(), runId, appId, leaseToken, cfg.model().input().pixels());
    Device device = taskDevice();
    List<Outcome> out = new ArrayList<>();
    ModelPool.Lease lease = null;
    try {
      while (units.hasNext()) {
        Unit unit = units.next();
        if (commit.committed(unit)) {
          out.add(new Outcome(unit, false, device.toString(), null, List.of()));
          continue;
        }
        if (lease == null) {
          lease = ExecutorCache.get().models().borrow(sourceKey(cfg, device));
        }
        out.add(run(cfg, unit, lease, commit, commit.conf()));
      }
    } finally {
      if (lease != null) {
        lease.close();
      }
    }
    return out.iterator();
  }

  private Outcome run(
      SweepConfig cfg, Unit unit, ModelPool.Lease lease, UnitCommit commit, Configuration conf)
      throws IOException {
    setThreads(cfg);
    Batch shard = images(cfg, unit.idFrom(), unit.idTo());
    ModelSlot slot = lease.slot();
    // Before this slot attacks anything: its gradients, checked where they are computed.
    List<EngineCheckRecord> checks =
        new ArrayList<>(
            ExecutorChecks.ensure(cfg, slot, shard, appId + "/" + runId, executorId(), HOST));
    PruneReport report;
    Network source;
    UnitResult result;
    try {
      report =
          slot.prune(
              unit.config().prune(), unit.config().clamp(), unit.seed(), calibration(cfg, unit));
      if (slot.clampBounds() != null) {
        checks.addAll(
            ExecutorChecks.ensure(cfg, slot, shard, appId + "/" + runId, executorId(), HOST));
      }
      source = slot.network(unit.attack().clampGradient());
      result = attack(cfg, unit, source, shard, cfg.anatomy() ? slot.probes() : null);
    } catch (RuntimeException | Error e) {
      lease.discard();
      throw e;
    }
    int[] baselineAdvPred = null;
    if (unit.baseline() != null) {
      long start = System.nanoTime();
      baselineAdvPred =
          BaselineJudge.predictions(
              layout, cfg.name(), runId, unit, source, shard, cfg.attack().batchSize(), conf);
      LOG.debug(
          "unit {}: attacked in {} s, judged the baseline's adversarial images in {} s",
          unit.describe(),
          String.format(Locale.ROOT, "%.3f", result.seconds()),
          String.format(Locale.ROOT, "%.3f", (System.nanoTime() - start) / 1e9));
    }
    String device = source.device().toString();
    UnitInfo info = UnitInfo.of(unit, result, baselineAdvPred, device, HOST, report);
    boolean committed = commit.commit(unit, result, baselineAdvPred, info, checks);
    return new Outcome(unit, true, device, committed ? info : null, checks);
  }

  /** The dataset's images with ids in {@code [from, to)}, decoded once per JVM. */
  private static Batch images(SweepConfig cfg, long from, long to) {
    ModelConfig m = cfg.model();
    ExecutorCache cache = ExecutorCache.get();
    return cache
        .shards()
        .get(
            new ShardCache.Key(
                cache.localPath(cfg.data().path(), "sweep.data.path"),
                from,
                to,
                new ImagePreprocessor(m.input().channels(), m.resize(), m.crop()),
                m.input()),
            cfg.engine().shardCacheMb() << 20);
  }

  /** The calibration of the unit's feature-map clamp, or null when its config has none. */
  private ActivationClamp.Calibration calibration(SweepConfig cfg, Unit unit) {
    if (unit.config().clamp() == null) {
      return null;
    }
    if (calibration == null) {
      throw new IllegalStateException(
          "config " + unit.configId() + " clamps feature maps but the run has no calibration ids");
    }
    Batch images = images(cfg, calibration[0], calibration[1]);
    return new ActivationClamp.Calibration(
        images.pixels(), cfg.prune().clampLayers(), cfg.attack().batchSize());
  }

  /**
   * The attack, white-box on {@code source} or judged on the unit's transfer target, with layer
   * anatomy on {@code source}'s probes when they are given.
   */
  private static UnitResult attack(
      SweepConfig cfg, Unit unit, Network source, Batch shard, Probes anatomy) {
    TransferTarget t = unit.config().target();
    if (t == null) {
      return UnitExecutor.run(
          source,
          null,
          unit.seed(),
          List.of(shard),
          unit.attack().spec().attack(),
          cfg.attack().batchSize(),
          unit.keepAdversarial(),
          anatomy);
    }
    // Quantized targets run on CPU only.
    ModelPool.Key key =
        modelKey(
            cfg, t.path(), "sweep.transfer." + t.name(), Device.cpu(), Classifier.Mode.INFERENCE);
    try (ModelPool.Lease target = ExecutorCache.get().models().borrow(key)) {
      return UnitExecutor.run(
          source,
          target.classifier(),
          unit.seed(),
          List.of(shard),
          unit.attack().spec().attack(),
          cfg.attack().batchSize(),
          false,
          anatomy);
    }
  }

  private static ModelPool.Key sourceKey(SweepConfig cfg, Device device) {
    return modelKey(
        cfg, cfg.model().path(), "sweep.model.path", device, Classifier.Mode.DIFFERENTIABLE);
  }

  private static ModelPool.Key modelKey(
      SweepConfig cfg, String location, String key, Device device, Classifier.Mode mode) {
    ModelConfig m = cfg.model();
    return new ModelPool.Key(
        Path.of(ExecutorCache.get().localPath(location, key)),
        device,
        m.normalization(),
        m.input(),
        mode,
        cfg.engine().memoryFormat());
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
