package io.adversarialprune.job.sweep;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.udfs.prune.PruneSpec;
import io.adversarialprune.udfs.prune.PruneStep;
import java.util.ArrayList;
import java.util.List;

/** Expands a sweep config and the dataset's shard boundaries into units, in grid order. */
public final class SweepPlan {
  private SweepPlan() {}

  /** One config of the grid, before seeds and shards. */
  public record ConfigEntry(
      String configId, String prune, String pruneType, Double pruneValue, int order, String target) {}

  public static List<ConfigEntry> configs(SweepConfig config) {
    List<ConfigEntry> out = new ArrayList<>();
    int order = 0;
    for (PruneSpec spec : config.grid()) {
      List<PruneStep> steps = spec.steps();
      String type = steps.isEmpty() ? "none" : steps.size() == 1 ? steps.get(0).type().name() : "composite";
      Double value = steps.size() == 1 ? steps.get(0).value() : null;
      out.add(new ConfigEntry(configId(spec.label()), spec.label(), type, value, order++, null));
    }
    for (SweepConfig.TransferTarget t : config.transfer()) {
      out.add(new ConfigEntry("transfer-" + t.name(), "none", "transfer", null, order++, t.name()));
    }
    return out;
  }

  /**
   * Units for every config x seed x shard.
   *
   * @param bounds shard boundaries: shard h covers ids [bounds[h], bounds[h+1])
   */
  public static List<Unit> units(SweepConfig config, long[] bounds) {
    List<Unit> units = new ArrayList<>();
    for (ConfigEntry c : configs(config)) {
      for (long seed : config.seeds()) {
        for (int h = 0; h + 1 < bounds.length; h++) {
          units.add(
              new Unit(
                  c.configId(), c.prune(), c.pruneType(), c.pruneValue(), c.order(), c.target(),
                  seed, h, bounds[h], bounds[h + 1]));
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

  /** "E=0.01+R=0.001" -> "E_0.01+R_0.001": safe in paths, stable. */
  public static String configId(String label) {
    return label.replace('=', '_');
  }

  /** The spec of a unit's prune label, with the sweep's shared prune options. */
  public static PruneSpec spec(SweepConfig config, Unit unit) {
    for (PruneSpec spec : config.grid()) {
      if (spec.label().equals(unit.prune())) {
        return spec;
      }
    }
    if ("none".equals(unit.prune())) {
      return PruneSpec.none();
    }
    throw new IllegalStateException("unit " + unit.configId() + " names no config of the grid");
  }
}
