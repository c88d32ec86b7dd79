package io.adversarialprune.job.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.plan.ConfigEntry;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.anatomy.LayerStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code layers} table (layer anatomy, {@code sweep.anatomy = on}): per (config, attack), per
 * probed layer, how the attack's final images changed the layer's activations against the clean
 * ones. One row per layer at {@code level} {@link MetricsTable#SEED} (a seed's shards merged) and
 * at {@link MetricsTable#CONFIG} (its seeds merged too), like {@code metrics}. The statistics are
 * those of {@link LayerStats}; merging its partial sums makes the rows exact over any sharding.
 */
public final class LayersTable {
  private LayersTable() {}

  public static final StructType SCHEMA =
      StructType.fromDDL(
          "sweep STRING, run_id STRING, config_id STRING, config_order INT, "
              + "prune STRING, target STRING, attack STRING, attack_order INT, level STRING, "
              + "seed BIGINT, layer STRING, layer_order INT, samples BIGINT, elements BIGINT, "
              + "clean_mean DOUBLE, clean_std DOUBLE, adv_mean DOUBLE, adv_std DOUBLE, "
              + "relative_l2 DOUBLE, changed_fraction DOUBLE, change_tolerance DOUBLE, "
              + "max_ratio DOUBLE, clean_tail DOUBLE, adv_tail DOUBLE, tail_ratio DOUBLE");

  /**
   * The run's rows, in plan order (config, attack, seed level before config level, layer); empty
   * when no unit measured its layers.
   */
  public static List<Row> aggregate(
      String sweep, String runId, SweepPlan plan, Map<Unit, UnitInfo> infos) {
    // (config, attack, seed) -> its shards' layers, merged in shard order
    Map<String, Map<String, LayerStats>> groups = new HashMap<>();
    for (Unit u : plan.units()) {
      mergeInto(
          groups.computeIfAbsent(
              u.configId() + "/" + u.attackName() + "/" + u.seed(), k -> new LinkedHashMap<>()),
          infos.get(u).layers());
    }
    List<Row> out = new ArrayList<>();
    for (ConfigEntry c : plan.configs()) {
      for (int a = 0; a < plan.attacks().size(); a++) {
        NamedAttack attack = plan.attacks().get(a);
        Map<String, LayerStats> overSeeds = new LinkedHashMap<>();
        for (long seed : plan.seeds()) {
          Map<String, LayerStats> overShards =
              groups.getOrDefault(c.id() + "/" + attack.name() + "/" + seed, Map.of());
          rows(out, sweep, runId, c, attack.name(), a, MetricsTable.SEED, seed, overShards);
          mergeInto(overSeeds, overShards);
        }
        rows(out, sweep, runId, c, attack.name(), a, MetricsTable.CONFIG, null, overSeeds);
      }
    }
    return out;
  }

  private static void mergeInto(Map<String, LayerStats> into, Map<String, LayerStats> part) {
    part.forEach((layer, stats) -> into.merge(layer, stats, LayerStats::merge));
  }

  private static void rows(
      List<Row> out,
      String sweep,
      String runId,
      ConfigEntry c,
      String attack,
      int attackOrder,
      String level,
      Long seed,
      Map<String, LayerStats> layers) {
    int order = 0;
    for (Map.Entry<String, LayerStats> e : layers.entrySet()) {
      LayerStats l = e.getValue();
      out.add(
          Tables.LAYERS
              .row()
              .set("sweep", sweep)
              .set("run_id", runId)
              .set("config_id", c.id())
              .set("config_order", c.order())
              .set("prune", c.pruneLabel())
              .set("target", c.targetName())
              .set("attack", attack)
              .set("attack_order", attackOrder)
              .set("level", level)
              .set("seed", seed)
              .set("layer", e.getKey())
              .set("layer_order", order++)
              .set("samples", l.samples())
              .set("elements", l.elements())
              .set("clean_mean", l.cleanMean())
              .set("clean_std", l.cleanStd())
              .set("adv_mean", l.advMean())
              .set("adv_std", l.advStd())
              .set("relative_l2", l.relativeL2())
              .set("changed_fraction", l.changedFraction())
              .set("change_tolerance", l.tolerance())
              .set("max_ratio", l.maxRatio())
              .set("clean_tail", l.cleanTail())
              .set("adv_tail", l.advTail())
              .set("tail_ratio", l.tailRatio())
              .build());
    }
  }

  /** Writes {@code stats}' partial sums into {@code o} (a unit's info in its file's footer). */
  static void toJson(ObjectNode o, LayerStats stats) {
    o.put("tolerance", stats.tolerance());
    o.put("samples", stats.samples());
    o.put("elements", stats.elements());
    o.put("clean_mean", stats.cleanMean());
    o.put("clean_m2", stats.cleanM2());
    o.put("adv_mean", stats.advMean());
    o.put("adv_m2", stats.advM2());
    o.put("squared_change", stats.squaredChange());
    o.put("squared_clean", stats.squaredClean());
    o.put("changed", stats.changed());
    o.put("clean_max_abs", stats.cleanMaxAbs());
    o.put("adv_max_abs", stats.advMaxAbs());
    o.put("clean_tail_sum", stats.cleanTailSum());
    o.put("adv_tail_sum", stats.advTailSum());
  }

  /** Reads what {@link #toJson} wrote. */
  static LayerStats fromJson(JsonNode o) {
    return new LayerStats(
        o.get("tolerance").asDouble(),
        o.get("samples").asLong(),
        o.get("elements").asLong(),
        o.get("clean_mean").asDouble(),
        o.get("clean_m2").asDouble(),
        o.get("adv_mean").asDouble(),
        o.get("adv_m2").asDouble(),
        o.get("squared_change").asDouble(),
        o.get("squared_clean").asDouble(),
        o.get("changed").asLong(),
        o.get("clean_max_abs").asDouble(),
        o.get("adv_max_abs").asDouble(),
        o.get("clean_tail_sum").asDouble(),
        o.get("adv_tail_sum").asDouble());
  }
}
