package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The masking flag of a feature-map clamp: an exact-gradient row above its straight-through twin is
 * gradient masking even where transfer from the baseline does not show it.
 */
class ClampMaskingTest {

  /** Without a baseline (so no transfer evidence): A=3, PGD exact and straight-through. */
  private static final SweepConfig CONFIG =
      SweepConfig.load(
          null,
          List.of(
              "sweep.grid.baseline=false",
              "sweep.grid.A=[3]",
              "sweep.grid.E=[0.05]",
              "sweep.seeds=[7]",
              "sweep.attacks=[{type=pgd-linf, name=pgd},"
                  + " {type=pgd-linf, name=pgd-st, clamp-gradient=straight-through}]"));

  @Test
  void anExactGradientRowFarAboveItsStraightThroughTwinIsFlagged() {
    SweepPlan plan = SweepPlan.of(CONFIG, new long[] {0, 100});
    Map<Unit, UnitInfo> infos = new HashMap<>();
    for (Unit u : plan.units()) {
      // E keeps 10 of 100 under both; the clamp keeps 60 under the exact gradient, 8 under BPDA.
      boolean clamp = u.configId().equals("A_3");
      long adv = clamp && u.attackName().equals("pgd") ? 60 : clamp ? 8 : 10;
      infos.put(
          u,
          new UnitInfo(
              u.configId(),
              u.attackName(),
              u.seed(),
              u.shard(),
              new OutcomeCounts(100, 90, adv, 60, 90 - adv),
              null,
              1.0,
              2.0,
              0.5,
              "cpu()",
              "h",
              1000,
              0,
              List.of(),
              Map.of(),
              null));
    }
    MetricsTable.Aggregate a =
        MetricsTable.aggregate(
            "s",
            "r",
            plan,
            infos,
            Map.of(
                new WorstCase.Key("E_0.05", 7), worst(10), new WorstCase.Key("A_3", 7), worst(8)));
    Map<String, Row> rows = new HashMap<>();
    for (Row r : a.configLevel()) {
      rows.put(r.getAs("config_id") + "/" + r.getAs("attack"), r);
    }
    assertThat(rows.get("A_3/pgd").<Boolean>getAs("masking_suspect")).isTrue();
    assertThat(rows.get("A_3/pgd-st").<Boolean>getAs("masking_suspect"))
        .as("the straight-through row has no twin and no baseline")
        .isNull();
    assertThat(rows.get("E_0.05/pgd").<Boolean>getAs("masking_suspect"))
        .as("without a clamp both rows are the same attack")
        .isNull();
    assertThat(rows.get("A_3/pgd-st").<String>getAs("attack_label"))
        .contains("straight-through gradient through feature-map clamps");
  }

  private static WorstCase.Counts worst(long adv) {
    return new WorstCase.Counts(new OutcomeCounts(100, 90, adv, 60, 90 - adv), null);
  }
}
