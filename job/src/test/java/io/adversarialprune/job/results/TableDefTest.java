package io.adversarialprune.job.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.config.NamedAttack;
import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import io.adversarialprune.udfs.metrics.OutcomeCounts;
import io.adversarialprune.udfs.metrics.Rate;
import io.adversarialprune.udfs.prune.ParameterStats;
import java.sql.Timestamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Rows built by column name: every mistake names the table and the column. */
class TableDefTest {

  @Test
  void anUnknownColumnIsRefusedNamingTheTableAndTheColumn() {
    assertThatThrownBy(() -> Tables.METRICS.row().set("remnant_accuracy", 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table metrics has no column remnant_accuracy");
  }

  @Test
  void aValueOfAnotherTypeIsRefusedNamingTheColumnAndBothTypes() {
    // an int where the column is BIGINT: Spark would refuse it only when the rows are written
    assertThatThrownBy(() -> Tables.METRICS.row().set("total", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column total of table metrics is BIGINT")
        .hasMessageContaining("java.lang.Long")
        .hasMessageContaining("got a java.lang.Integer");
  }

  @Test
  void aColumnNeverSetIsRefusedAtBuildNamingEveryOne() {
    TableDef.RowBuilder row =
        Tables.RUNS
            .row()
            .set("sweep", "s")
            .set("run_id", "r")
            .set("status", RunsTable.RUNNING)
            .set("started_at", new Timestamp(0))
            .set("device", null)
            .set("spark_master", "local[2]")
            .set("app_id", "app")
            .set("config_hash", "h");
    assertThatThrownBy(row::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("row of table runs lacks columns ended_at, config");
  }

  @Test
  void aColumnSetTwiceIsRefused() {
    assertThatThrownBy(() -> Tables.RUNS.row().set("sweep", "a").set("sweep", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column sweep of table runs set twice");
  }

  @Test
  void aDefinitionSortingByAColumnItLacksIsRefused() {
    assertThatThrownBy(
            () ->
                new TableDef(
                    "t", StructType.fromDDL("a STRING"), List.of("a"), List.of("b"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table t partitions or sorts by b");
  }

  @Test
  void aRowReadBackInAnotherColumnOrderIsPutInTheTablesOrderByName() {
    // an older table: run_id last (added by schema evolution), config never added
    StructType old = StructType.fromDDL("sweep STRING, status STRING, run_id STRING");
    Row read = new GenericRowWithSchema(new Object[] {"s", RunsTable.SUCCEEDED, "r"}, old);
    Row ours = Tables.RUNS.rowFrom(read);
    assertThat(ours.schema()).isEqualTo(RunsTable.SCHEMA);
    assertThat(ours.<String>getAs("run_id")).isEqualTo("r");
    assertThat(ours.<String>getAs("status")).isEqualTo(RunsTable.SUCCEEDED);
    assertThat(ours.<Object>getAs("config")).isNull();
  }

  /** E=0.05 (and the baseline), pgd, seed 7, one shard of 100. */
  private static final SweepConfig CONFIG =
      SweepConfig.load(
          null,
          List.of(
              "sweep.grid.E=[0.05]",
              "sweep.seeds=[7]",
              "sweep.attacks=[{type=pgd-linf, name=pgd}]"));

  private static final ParameterStats PARAMETER =
      new ParameterStats("fc.weight", 1000, 100, 0.01, 0.2, 0.02, 0.3, 0.04);

  private static MetricsTable.Aggregate aggregate(SweepPlan plan) {
    Map<Unit, UnitInfo> infos = new HashMap<>();
    for (Unit u : plan.units()) {
      boolean pruned = u.baseline() != null;
      infos.put(
          u,
          new UnitInfo(
              u.configId(),
              u.attackName(),
              u.seed(),
              u.shard(),
              // every count different, so that two columns swapped cannot pass unseen
              new OutcomeCounts(100, 90, 30, 70, 60),
              pruned ? 20L : null,
              3.0,
              5.0,
              0.5,
              "cpu()",
              "h",
              1000,
              pruned ? 100 : 0,
              List.of(PARAMETER),
              Map.of(),
              new float[] {0.25f, 0.5f, 0.75f}));
    }
    return MetricsTable.aggregate("s", "r", plan, infos, Map.of());
  }

  @Test
  void aMetricsRowBuiltByNameIsTheRowTheAggregationWrites() {
    SweepPlan plan = SweepPlan.of(CONFIG, new long[] {0, 100});
    NamedAttack pgd = plan.attacks().get(0);
    OutcomeCounts oc = new OutcomeCounts(100, 90, 30, 70, 60);
    Rate clean = oc.cleanAcc();
    Rate remnant = oc.remnantAcc();
    Rate change = oc.predChangeRate();
    Rate asr = oc.strictAsr();
    Rate transfer = Rate.of(20, 100);
    Row expected =
        Tables.METRICS
            .row()
            .set("sweep", "s")
            .set("run_id", "r")
            .set("config_id", "E_0.05")
            .set("config_order", 1)
            .set("prune", "E=0.05")
            .set("prune_type", "E")
            .set("prune_value", 0.05)
            .set("target", null)
            .set("attack", "pgd")
            .set("attack_type", "pgd-linf")
            .set("attack_label", pgd.spec().label())
            .set("attack_order", 0)
            .set("level", MetricsTable.SEED)
            .set("seed", 7L)
            .set("seeds", 1)
            .set("total", 100L)
            .set("correct", 90L)
            .set("adv_correct", 30L)
            .set("changed", 70L)
            .set("attacked", 60L)
            .set("clean_acc", clean.value())
            .set("clean_acc_lower", clean.lower())
            .set("clean_acc_upper", clean.upper())
            .set("remnant_acc", remnant.value())
            .set("remnant_acc_lower", remnant.lower())
            .set("remnant_acc_upper", remnant.upper())
            .set("pred_change_rate", change.value())
            .set("pred_change_rate_lower", change.lower())
            .set("pred_change_rate_upper", change.upper())
            .set("strict_asr", asr.value())
            .set("strict_asr_lower", asr.lower())
            .set("strict_asr_upper", asr.upper())
            .set("baseline_adv_acc", 0.2)
            .set("baseline_adv_acc_lower", transfer.lower())
            .set("baseline_adv_acc_upper", transfer.upper())
            .set("masking_suspect", remnant.lower() > transfer.upper())
            .set("prune_ratio", 0.1)
            .set("mean_linf", 0.03)
            .set("mean_l2", 0.05)
            .set("images_per_sec", 200.0)
            .set("median_min_distance", 0.5)
            // reference.conf's pgd-linf: eps 0.03, 10 steps
            .set("norm", "linf")
            .set("eps", 0.03)
            .set("steps", 10)
            .set("queries", null)
            .set("gradient_free", false)
            .build();

    // baseline/seed, baseline/config, E_0.05/seed, E_0.05/config
    Row written = aggregate(plan).metrics().get(2);

    assertThat(written.schema()).isEqualTo(MetricsTable.SCHEMA);
    assertThat(written).isEqualTo(expected);
  }

  @Test
  void aPruneStatsRowBuiltByNameIsTheRowTheAggregationWrites() {
    Row expected =
        Tables.PRUNE_STATS
            .row()
            .set("sweep", "s")
            .set("run_id", "r")
            .set("config_id", "E_0.05")
            .set("seed", 7L)
            .set("parameter", "fc.weight")
            .set("elements", 1000L)
            .set("changed", 100L)
            .set("mean_before", 0.01)
            .set("std_before", 0.2)
            .set("mean_after", 0.02)
            .set("std_after", 0.3)
            .set("normality_p", 0.04)
            .build();

    List<Row> written = aggregate(SweepPlan.of(CONFIG, new long[] {0, 100})).pruneStats();

    assertThat(written).hasSize(2).last().isEqualTo(expected);
  }
}
