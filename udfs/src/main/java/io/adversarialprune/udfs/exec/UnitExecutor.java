package io.adversarialprune.udfs.exec;

import io.adversarialprune.udfs.anatomy.Anatomy;
import io.adversarialprune.udfs.anatomy.LayerStats;
import io.adversarialprune.udfs.attack.Attack;
import io.adversarialprune.udfs.attack.JudgedAttack;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Probes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the attack part of one sweep unit (config, attack, seed, shard) on one model slot.
 *
 * <p>Pruning is not done here: the caller prunes the source's {@link Classifier#parameters()}
 * before {@link #run} ({@link ModelSlot#prune}) and restores them after, and hands over the network
 * that is attacked ({@link ModelSlot#network}), so the time in {@link UnitResult#seconds()} is the
 * attack and evaluation only.
 *
 * <p>Stateless and thread-safe; each concurrent call needs its own classifiers (see {@link
 * ModelPool}). Native memory is scoped per batch and per step inside the attack, so a call leaves
 * nothing behind on the classifiers' managers.
 */
public final class UnitExecutor {

  private UnitExecutor() {}

  /**
   * Attacks every sample of {@code shard} and judges it on {@code target}.
   *
   * @param source the (possibly pruned) differentiable network the attack runs on
   * @param target the judged model; {@code null} means {@code source} (white-box)
   * @param seed the unit's seed; with the sample id it fixes each sample's random start
   * @param shard the shard's batches; they are re-split into chunks of {@code batchSize}
   * @param attack the attack, e.g. {@code spec.attack()} of an {@code AttackSpec}
   * @param batchSize images per forward/backward pass, {@code >= 1}; results do not depend on it
   * @param keepAdversarial whether the result keeps the adversarial images
   * @param anatomy the source's probes, to measure layer anatomy on every batch (one {@code
   *     features} pass on its clean and one on its adversarial images), or null for none
   * @throws IllegalArgumentException before any work when a batch's shape or a label does not fit
   *     the source model, or {@code batchSize < 1}
   */
  public static UnitResult run(
      Network source,
      Network target,
      long seed,
      List<Batch> shard,
      Attack attack,
      int batchSize,
      boolean keepAdversarial,
      Probes anatomy) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    for (Batch batch : shard) {
      batch.validate(source.classes(), source.inputShape());
    }
    long start = System.nanoTime();
    JudgedAttack judged = new JudgedAttack(attack);
    List<SampleOutcome> samples = new ArrayList<>();
    int per = source.inputShape().pixels();
    float[] adversarial =
        keepAdversarial
            ? new float[Math.multiplyExact(shard.stream().mapToInt(Batch::size).sum(), per)]
            : null;
    List<LayerStats> layers = null;
    for (Batch batch : shard) {
      for (int from = 0; from < batch.size(); from += batchSize) {
        Batch chunk =
            from == 0 && batch.size() <= batchSize
                ? batch
                : batch.slice(from, Math.min(batch.size(), from + batchSize));
        float[] out = adversarial;
        int offset = samples.size() * per;
        JudgedAttack.Judged j =
            judged.run(
                source,
                target,
                seed,
                chunk.ids(),
                chunk.labels(),
                chunk.pixels(),
                out,
                offset,
                anatomy);
        samples.addAll(j.samples());
        if (j.layers() != null) {
          layers = layers == null ? j.layers() : Anatomy.merge(layers, j.layers());
        }
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, LayerStats> named = new LinkedHashMap<>();
    for (int i = 0; layers != null && i < layers.size(); i++) {
      named.put(anatomy.names().get(i), layers.get(i));
    }
    return new UnitResult(samples, OutcomeCounts.of(samples), seconds, adversarial, named);
  }
}
