package io.adversarialprune.job.plan;

import io.adversarialprune.job.config.NamedAttack;
import java.io.Serializable;

/**
 * The unit of work and of resume: one config attacked by one attack, for one seed, on one data
 * shard. It carries its config and attack as values: this, plus a broadcast of the sweep config
 * (model, data, engine), is all an executor needs; it reads the shard's images itself.
 *
 * @param config the config (prune spec or transfer target)
 * @param attack the attack, with its sweep name
 * @param seed seeds R noise, random pruning and the attack's random starts
 * @param shard the shard's index
 * @param idFrom first id of the shard (inclusive)
 * @param idTo end of the shard (exclusive)
 * @param baseline for a pruned config of a grid with a baseline, the baseline: this unit's model
 *     also judges the baseline unit's adversarial images of the same attack, seed and shard
 *     (transfer from baseline, the gradient-masking check); else null
 * @param keepAdversarial whether the unit keeps its adversarial images for pruned units ({@code
 *     AdversarialImages}): the baseline of a grid with pruned configs
 */
public record Unit(
    ConfigEntry config,
    NamedAttack attack,
    long seed,
    int shard,
    long idFrom,
    long idTo,
    ConfigEntry baseline,
    boolean keepAdversarial)
    implements Serializable {

  /** The baseline's unit whose adversarial images this unit judges, or null. */
  public Unit baselineUnit() {
    return baseline == null
        ? null
        : new Unit(baseline, attack, seed, shard, idFrom, idTo, null, true);
  }

  /** The config's id. */
  public String configId() {
    return config.id();
  }

  /** The attack's name in the sweep. */
  public String attackName() {
    return attack.name();
  }

  /** {@code CONFIG/ATTACK/seed-K/shard-H}, for messages. */
  public String describe() {
    return configId() + "/" + attackName() + "/seed-" + seed + "/shard-" + shard;
  }
}
