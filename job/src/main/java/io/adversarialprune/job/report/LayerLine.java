package io.adversarialprune.job.report;

import org.apache.spark.sql.Row;

/**
 * One config-level row of the {@code layers} table (layer anatomy): how an attack changed one
 * probed layer of one config's model.
 */
public record LayerLine(
    String configId,
    int configOrder,
    String prune,
    String target,
    String attack,
    int attackOrder,
    String layer,
    int layerOrder,
    double relativeL2,
    double changedFraction,
    double maxRatio,
    double tailRatio,
    double cleanStd,
    double advStd) {

  /** From a {@code layers} row. */
  static LayerLine from(Row r) {
    return new LayerLine(
        r.getAs("config_id"),
        r.<Integer>getAs("config_order"),
        r.getAs("prune"),
        r.getAs("target"),
        r.getAs("attack"),
        r.<Integer>getAs("attack_order"),
        r.getAs("layer"),
        r.<Integer>getAs("layer_order"),
        r.<Double>getAs("relative_l2"),
        r.<Double>getAs("changed_fraction"),
        r.<Double>getAs("max_ratio"),
        r.<Double>getAs("tail_ratio"),
        r.<Double>getAs("clean_std"),
        r.<Double>getAs("adv_std"));
  }
}
