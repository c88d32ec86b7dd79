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

/** The aggregation's arithmetic, on hand-made unit infos: sums, worst case and the masking flag. */
class MetricsTableTest {

  /** Baseline and E=0.05, two attacks, one seed, two shards of 100. */
  private static final SweepConfig CONFIG =
      SweepConfig.load(
          null,
          List.of(
              "sweep.grid.E=[0.05]",
              "sweep.seeds=[7]",
              "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm}]"));

  @Test
  void rowsSumTheirUnitsAndFlagAWhiteBoxResultFarAboveTransferFromBaseline() {
    SweepPlan plan = SweepPlan.of(CONFIG, new long[] {0, 100, 200});
    Map<Unit, UnitInfo> infos = new HashMap<>();
    for (Unit u : plan.units()) {
      boolean pruned = u.baseline() != null;
      // the pruned model keeps 45 of 100 under its own pgd but only 5 of 100 on the baseline's
      // images: masking; under fgsm 20 and 18: no masking
      long adv = !pruned ? 2 : u.attackName().equals("pgd") ? 45 : 20;
      Long transfer = !pruned ? null : u.attackName().equals("pgd") ? 5L : 18L;
      infos.put(
          u,
          new UnitInfo(
              u.configId(),
              u.attackName(),
              u.seed(),
              u.shard(),
              new OutcomeCounts(100, 90, adv, 60, 90 - adv),
              transfer,
              1.0,
              2.0,
              0.5,
              "cpu()",
              "h",
              1000,
              pruned ? 100 : 0,
              List.of(),
              Map.of(),
              null));
    }
    Map<WorstCase.Key, WorstCase.Counts> worst =
        Map.of(
            new WorstCase.Key("baseline", 7),
                new WorstCase.Counts(new OutcomeCounts(200, 180, 3, 130, 177), null),
            new WorstCase.Key("E_0.05", 7),
                new WorstCase.Counts(new OutcomeCounts(200, 180, 30, 130, 150), 8L));
    MetricsTable.Aggregate a = MetricsTable.aggregate("s", "r", plan, infos, worst);

    // 2 configs x (2 attacks + worst case) x (1 seed + over seeds)
    assertThat(a.metrics()).hasSize(12);
    assertThat(a.configLevel())
        .extracting(r -> r.getAs("config_id") + "/" + r.getAs("attack"))
        .containsExactly(
            "baseline/pgd",
            "baseline/fgsm",
            "baseline/worst-case",
            "E_0.05/pgd",
            "E_0.05/fgsm",
            "E_0.05/worst-case");
    Row pgd = a.configLevel().get(3);
    assertThat(pgd.<Long>getAs("total")).isEqualTo(200L);
    assertThat(pgd.<Long>getAs("adv_correct")).isEqualTo(90L);
    assertThat(pgd.<Double>getAs("remnant_acc")).isEqualTo(0.45);
    assertThat(pgd.<Double>getAs("baseline_adv_acc")).isEqualTo(0.05);
    assertThat(pgd.<Boolean>getAs("masking_suspect")).isTrue();
    assertThat(pgd.<Double>getAs("prune_ratio")).isEqualTo(0.1);
    assertThat(pgd.<Double>getAs("mean_linf")).isEqualTo(2.0 / 200);
    Row fgsm = a.configLevel().get(4);
    assertThat(fgsm.<Double>getAs("baseline_adv_acc")).isEqualTo(0.18);
    assertThat(fgsm.<Boolean>getAs("masking_suspect")).isFalse();
    Row worstE = a.configLevel().get(5);
    assertThat(worstE.<String>getAs("attack_type")).isEqualTo("worst-case");
    assertThat(worstE.<Integer>getAs("attack_order")).isEqualTo(2);
    assertThat(worstE.<Long>getAs("adv_correct")).isEqualTo(30L);
    assertThat(worstE.<Double>getAs("baseline_adv_acc")).isEqualTo(0.04);
    assertThat(worstE.<Double>getAs("prune_ratio")).isEqualTo(0.1);
    assertThat(worstE.<Object>getAs("mean_linf")).isNull();
    // the baseline judges no baseline images
    Row base = a.configLevel().get(0);
    assertThat(base.<Object>getAs("baseline_adv_acc")).isNull();
    assertThat(base.<Object>getAs("masking_suspect")).isNull();
    // prune_stats come once per (config, seed), not once per attack
    assertThat(a.pruneStats()).isEmpty();
  }

  @Test
  void medianMinDistanceIsOverEveryPartsValuesAndNullWhenAPartHasNone() {
    assertThat(MetricsTable.median(List.of(new float[] {0.1f, 0.5f}, new float[] {0.2f})))
        .isEqualTo((double) 0.2f);
    // an even count: the mean of the two middle values, as Spark SQL's percentile(x, 0.5)
    assertThat(MetricsTable.median(List.of(new float[] {0.1f, 0.4f}, new float[] {0.2f, 0.3f})))
        .isEqualTo(((double) 0.2f + 0.3f) / 2);
    assertThat(MetricsTable.median(List.of(new float[0]))).isNull();
    assertThat(MetricsTable.median(null)).isNull();
  }

  @Test
  void unitInfoKeepsItsDistancesThroughItsJsonAndAnOlderInfoHasNone() throws Exception {
    UnitInfo info =
        new UnitInfo(
            "none",
            "fab-t",
            7,
            0,
            new OutcomeCounts(3, 2, 1, 1, 1),
            null,
            0.1,
            0.2,
            0.5,
            "cpu()",
            "h",
            10,
            0,
            List.of(),
            Map.of(),
            new float[] {0.0123f, 0.5f});
    assertThat(UnitInfo.parse(info.toJson(), "f").minDistances()).containsExactly(0.0123f, 0.5f);
    UnitInfo older =
        new UnitInfo(
            "none",
            "pgd",
            7,
            0,
            new OutcomeCounts(3, 2, 1, 1, 1),
            null,
            0.1,
            0.2,
            0.5,
            "cpu()",
            "h",
            10,
            0,
            List.of(),
            Map.of(),
            null);
    assertThat(UnitInfo.parse(older.toJson(), "f").minDistances()).isNull();
  }
}
