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
  void countsAreSingularOnlyForOne() {
    assertThat(SweepPlan.count(0, "unit")).isEqualTo("0 units");
    assertThat(SweepPlan.count(1, "unit")).isEqualTo("1 unit");
    assertThat(SweepPlan.count(22, "unit")).isEqualTo("22 units");
  }
}
