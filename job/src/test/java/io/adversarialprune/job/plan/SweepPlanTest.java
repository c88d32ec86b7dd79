package io.adversarialprune.job.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.adversarialprune.job.config.SweepConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan's console line: its counts with the right plurals. */
class SweepPlanTest {

  @Test
  void aPlanOfOneAttackAndOneSeedNamesThemInTheSingular() {
    SweepConfig config = SweepConfig.load(null, List.of("sweep.grid.E=[0.05]", "sweep.seeds=[7]"));

    String line = SweepPlan.of(config, new long[] {0, 100, 200}).toString();

    assertThat(line).isEqualTo("2 configs x 1 attack x 1 seed x 2 shards [0, 100, 200]");
  }

  @Test
  void aClampConfigKeepsItsLabelTypeAndValueAndIsNoBaseline() {
    SweepConfig config =
        SweepConfig.load(
            null,
            List.of(
                "sweep.grid.A=[3]",
                "sweep.grid.composite=[\"A=3+E=0.01\"]",
                "sweep.seeds=[7]",
                "sweep.attacks=[{type=fgsm, name=f}]"));
    SweepPlan plan = SweepPlan.of(config, new long[] {0, 10});

    assertThat(plan.configs())
        .extracting(
            ConfigEntry::id,
            ConfigEntry::pruneLabel,
            ConfigEntry::pruneType,
            ConfigEntry::pruneValue)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("baseline", "baseline", "baseline", 0.0),
            org.assertj.core.groups.Tuple.tuple("A_3", "A=3", "A", 3.0),
            org.assertj.core.groups.Tuple.tuple("E_0.01+A_3", "E=0.01+A=3", "composite", null));
    assertThat(plan.baseline().id()).isEqualTo("baseline");
    assertThat(plan.configs().get(1).prune().steps()).as("no weight step").isEmpty();
    assertThat(plan.configs().get(2).prune().label()).isEqualTo("E=0.01");
    assertThat(plan.units())
        .filteredOn(u -> !u.configId().equals("baseline"))
        .allSatisfy(u -> assertThat(u.baseline()).isNotNull());
  }

  @Test
  void countsAreSingularOnlyForOne() {
    assertThat(SweepPlan.count(0, "unit")).isEqualTo("0 units");
    assertThat(SweepPlan.count(1, "unit")).isEqualTo("1 unit");
    assertThat(SweepPlan.count(22, "unit")).isEqualTo("22 units");
  }
}
