package io.adversarialprune.job.plan;

import io.adversarialprune.job.config.GridEntry;
import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.config.TransferTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A sweep's plan as a value: its configs, attacks, seeds and shard boundaries, and the units they
 * expand to. Units come in the order executors want them: config, then seed, then shard, then
 * attack, so consecutive units share a pruned model and a task prunes once per (config, seed).
 */
public final class SweepPlan {
  /** The {@code attack} of the metrics rows that take, per sample, the worst over all attacks. */
  public static final String WORST_CASE = "worst-case";

  private final List<ConfigEntry> configs;
  private final List<NamedAttack> attacks;
  private final List<Long> seeds;
  private final long[] bounds;

  private SweepPlan(
      List<ConfigEntry> configs, List<NamedAttack> attacks, List<Long> seeds, long[] bounds) {
    this.configs = List.copyOf(configs);
    this.attacks = List.copyOf(attacks);
    this.seeds = List.copyOf(seeds);
    this.bounds = bounds.clone();
  }

  /**
   * The plan of {@code config} over shards with boundaries {@code bounds}: shard h covers ids
   * {@code [bounds[h], bounds[h+1])}.
   */
  public static SweepPlan of(SweepConfig config, long[] bounds) {
    return new SweepPlan(configs(config), config.attacks(), config.seeds(), bounds);
  }

  /** The grid's configs in order: the prune specs, then the transfer targets. */
  public static List<ConfigEntry> configs(SweepConfig config) {
    List<ConfigEntry> out = new ArrayList<>();
    int order = 0;
    for (GridEntry entry : config.grid()) {
      out.add(ConfigEntry.pruned(entry, order++));
    }
    for (TransferTarget t : config.transfer()) {
      out.add(ConfigEntry.transfer(t, order++));
    }
    return out;
  }

  /** How many units a sweep with {@code config} has (its shard count is an upper bound). */
  public static int unitCount(SweepConfig config) {
    return configs(config).size()
        * config.attacks().size()
        * config.seeds().size()
        * config.data().shards();
  }

  public List<ConfigEntry> configs() {
    return configs;
  }

  public List<NamedAttack> attacks() {
    return attacks;
  }

  public List<Long> seeds() {
    return seeds;
  }

  public int shards() {
    return bounds.length - 1;
  }

  /** The unpruned white-box config, if the grid has it. */
  public ConfigEntry baseline() {
    return configs.stream().filter(ConfigEntry::unchanged).findFirst().orElse(null);
  }

  /**
   * Every unit: config x seed x shard x attack. When the grid has a baseline and pruned configs,
   * the baseline's units keep their adversarial images and the pruned configs' units judge them
   * (transfer from baseline).
   */
  public List<Unit> units() {
    ConfigEntry baseline = baseline();
    boolean pruned = configs.stream().anyMatch(c -> c.target() == null && !c.unchanged());
    List<Unit> units = new ArrayList<>();
    for (ConfigEntry c : configs) {
      boolean isBaseline = c.equals(baseline);
      ConfigEntry judges = baseline != null && !isBaseline && c.target() == null ? baseline : null;
      for (long seed : seeds) {
        for (int h = 0; h + 1 < bounds.length; h++) {
          for (NamedAttack a : attacks) {
            units.add(
                new Unit(c, a, seed, h, bounds[h], bounds[h + 1], judges, isBaseline && pruned));
          }
        }
      }
    }
    return units;
  }

  /** Splits sorted ids into {@code shards} contiguous groups of near-equal size. */
  public static long[] shardBounds(long[] sortedIds, int shards) {
    int n = sortedIds.length;
    int s = Math.min(shards, n);
    long[] bounds = new long[s + 1];
    for (int h = 0; h < s; h++) {
      bounds[h] = sortedIds[(int) ((long) h * n / s)];
    }
    bounds[s] = sortedIds[n - 1] + 1;
    return bounds;
  }

  /** The plan's shape as the console's start line prints it: "1 config x 2 attacks x ...". */
  @Override
  public String toString() {
    return count(configs.size(), "config")
        + " x "
        + count(attacks.size(), "attack")
        + " x "
        + count(seeds.size(), "seed")
        + " x "
        + count(shards(), "shard")
        + " "
        + Arrays.toString(bounds);
  }

  /** {@code n} and {@code noun}, plural unless {@code n} is 1: "1 seed", "3 seeds". */
  public static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
