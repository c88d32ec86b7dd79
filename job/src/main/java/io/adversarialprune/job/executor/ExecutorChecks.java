package io.adversarialprune.job.executor;

import io.adversarialprune.job.config.CheckConfig;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.results.EngineCheckRecord;
import io.adversarialprune.udfs.check.CheckPolicy;
import io.adversarialprune.udfs.check.EngineCheck;
import io.adversarialprune.udfs.check.Platform;
import io.adversarialprune.udfs.exec.Batch;
import io.adversarialprune.udfs.exec.ModelSlot;
import io.adversarialprune.udfs.model.ClampBounds;
import io.adversarialprune.udfs.model.ClampGradient;
import io.adversarialprune.udfs.model.Network;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine check where the numbers are computed: before a pooled classifier slot attacks
 * anything, on this executor, in its layout and thread setting, for every batch size the attack
 * will hand it (the full {@code sweep.attack.batch-size} and a shard's remainder, and with an
 * early-stopping or restarting attack the buckets its batches shrink through), on the real images
 * of the unit's shard; with only gradient-free attacks, the forward pass alone ({@link
 * EngineCheck#runForward}). Each (slot, batch size) is checked once per run in each JVM, so every
 * run records the checks that vouch for the units it computes; the slot remembers which ({@link
 * ModelSlot#checked}) and forgets with it when it is discarded.
 *
 * <p>A slot clamped by a feature-map clamp ({@code A}) is checked again for each clamp: the check
 * runs the slot's network ({@link ModelSlot#network}), and so the clamped forward that the attack
 * uses, always with the clamp's exact gradient. (A straight-through gradient is by design not the
 * derivative of the forward, so differences cannot check it; its forward is the exact one's, bit
 * for bit.)
 *
 * <p>Thread-safety: a slot belongs to one task thread at a time (see {@code ModelPool}).
 */
public final class ExecutorChecks {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorChecks.class);

  private ExecutorChecks() {}

  /**
   * Checks {@code slot}'s classifier for the batch sizes {@code shard} will be attacked in that it
   * has not been checked for yet in run {@code run}, and returns the new records.
   *
   * @throws EngineCheckFailedException when a check fails under {@link CheckPolicy#FAIL}
   */
  public static List<EngineCheckRecord> ensure(
      SweepConfig cfg, ModelSlot slot, Batch shard, String run, String executor, String host) {
    CheckConfig check = cfg.check();
    if (check.policy() == CheckPolicy.OFF) {
      return List.of();
    }
    // The straight-through gradient is not the forward's derivative: check the exact one.
    Network source = slot.network(ClampGradient.EXACT);
    int n = shard.size();
    int full = Math.min(cfg.attack().batchSize(), n);
    int rest = n > full ? n % full : 0;
    java.util.SortedSet<Integer> sizes =
        new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
    sizes.add(full);
    if (rest > 0) {
      sizes.add(rest);
    }
    // Early stop and restarts shrink an attack's batch through the buckets n, ceil(n/2), ..., 1.
    if (cfg.attacks().stream().anyMatch(a -> a.spec().shrinksBatches())) {
      for (int start : List.copyOf(sizes)) {
        for (int b = start; b > 1; ) {
          b = (b + 1) / 2;
          sizes.add(b);
        }
      }
    }
    // A sweep of gradient-free attacks only (Square) never asks for a gradient: vouch for the
    // forward pass alone, so that a model whose autograd is wrong can still be attacked.
    boolean forwardOnly = cfg.attacks().stream().allMatch(a -> a.spec().gradientFree());
    List<EngineCheckRecord> out = new ArrayList<>();
    ClampBounds clamp = slot.clampBounds();
    String clampKey = clamp == null ? "" : "/clamp-" + Integer.toHexString(clamp.hashCode());
    for (int size : sizes) {
      String key = run + "/" + size + clampKey;
      if (slot.checked(key)) {
        continue;
      }
      Batch chunk = shard.slice(0, size);
      EngineCheck engine = new EngineCheck(check.settings());
      EngineCheck.Report report =
          forwardOnly
              ? engine.runForward(source, 0L, chunk.labels(), chunk.pixels())
              : engine.run(source, 0L, chunk.labels(), chunk.pixels());
      EngineCheckRecord record =
          new EngineCheckRecord(
              executor,
              host,
              Platform.describe(source.device()),
              Platform.isaCap(),
              check.policy(),
              report,
              Instant.now());
      if (!report.passed()) {
        if (check.policy() == CheckPolicy.FAIL) {
          throw new EngineCheckFailedException(record);
        }
        LOG.warn(
            "engine check failed on {} (sweep.engine.check.mode=warn, attacking anyway): {}",
            record.where(),
            report.problem());
      } else {
        LOG.debug("engine check passed on {}: {}", record.where(), report.figures());
      }
      slot.markChecked(key);
      out.add(record);
    }
    return out;
  }
}
