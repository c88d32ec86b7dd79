package io.adversarialprune.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import io.adversarialprune.udfs.model.ClampGradient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The feature-map clamp's keys: grid kind A, sweep.prune's clamp keys, clamp-gradient. */
class ClampConfigTest {

  @Test
  void aClampGridReadsItsKeysAndAttacksTheirGradient() {
    SweepConfig c =
        SweepConfig.load(
            null,
            List.of(
                "sweep.grid.A=[3, 2]",
                "sweep.grid.composite=[\"A=3+E=0.01\"]",
                "sweep.prune.clamp-layers=\"layer[23]\"",
                "sweep.prune.calibration-images=50",
                "sweep.attacks=[{type=pgd-linf, name=pgd},"
                    + " {type=pgd-linf, name=pgd-st, clamp-gradient=straight-through}]"));
    assertThat(c.grid()).extracting(s -> s.label()).contains("A=3", "A=2", "E=0.01+A=3");
    assertThat(c.prune().clampLayers()).isEqualTo("layer[23]");
    assertThat(c.prune().calibrationImages()).isEqualTo(50);
    assertThat(c.attacks())
        .extracting(NamedAttack::clampGradient)
        .containsExactly(ClampGradient.EXACT, ClampGradient.STRAIGHT_THROUGH);
    assertThat(c.attacks().get(1).spec()).isEqualTo(c.attacks().get(0).spec());
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void theShippedClampSweepIsTheDefaultsAttackWithAndWithoutTheClampsGradient() {
    SweepConfig c = SweepConfig.load(new java.io.File("../conf/clamp.conf"), List.of());
    assertThat(c.grid())
        .extracting(s -> s.label())
        .containsExactly("baseline", "A=3", "A=2", "E=0.01+A=3");
    assertThat(c.attacks())
        .extracting(NamedAttack::name, NamedAttack::clampGradient)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("pgd", ClampGradient.EXACT),
            org.assertj.core.groups.Tuple.tuple("pgd-st", ClampGradient.STRAIGHT_THROUGH));
    SweepConfig d = SweepConfig.load(new java.io.File("../conf/default.conf"), List.of());
    assertThat(c.attacks().get(0).spec()).isEqualTo(d.attacks().get(0).spec());
    assertThat(c.data()).isEqualTo(d.data());
    assertThat(c.anatomy())
        .as("the study's question about the last block under a ceiling")
        .isTrue();
  }

  @Test
  void everyBadClampValueIsNamedByItsKeyInOneGo() {
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.grid.A=[0]",
                        "sweep.grid.composite=[\"E=0.01+A=-1\"]",
                        "sweep.prune.clamp-layers=\"layer[\"",
                        "sweep.prune.calibration-images=0",
                        "sweep.attacks=[{type=pgd-linf, clamp-gradient=bpda}]")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("(5 problems)")
        .hasMessageContaining("sweep.grid.A: prune value for A")
        .hasMessageContaining("sweep.grid.composite entry 'E=0.01+A=-1'")
        .hasMessageContaining("sweep.prune.clamp-layers is not a valid regular expression")
        .hasMessageContaining("sweep.prune.calibration-images must be >= 1, got 0")
        .hasMessageContaining(
            "sweep.attacks[0].clamp-gradient must be exact or straight-through, got 'bpda'");
  }

  @Test
  void aCompositesProblemsNameItsStepsAsWrittenTheClampIncluded() {
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.grid.composite=[\"E=0.01+A=3+E=0.02\", \"Q=8+A=3+QC=8\","
                            + " \"A=3+a=2\", \"L3=0.1\"]")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("(4 problems)")
        .hasMessageContaining(
            "sweep.grid.composite entry 'E=0.01+A=3+E=0.02': duplicate prune step type E in"
                + " [PruneStep[type=E, value=0.01], PruneStep[type=A, value=3.0],"
                + " PruneStep[type=E, value=0.02]] (at most one step per type)")
        .hasMessageContaining(
            "sweep.grid.composite entry 'Q=8+A=3+QC=8': prune steps Q and QC do not combine (a"
                + " model is quantized once): [PruneStep[type=Q, value=8.0], PruneStep[type=A,"
                + " value=3.0], PruneStep[type=QC, value=8.0]]")
        .hasMessageContaining(
            "sweep.grid.composite entry 'A=3+a=2': duplicate prune step type A in"
                + " [PruneStep[type=A, value=3.0], PruneStep[type=A, value=2.0]]")
        .hasMessageContaining(
            "sweep.grid.composite entry 'L3=0.1': prune type must be one of [NONE, E, S, R, L1,"
                + " L1G, LN1, LN2, RANDOM, Q, QC, A] (case-insensitive), got 'L3'");
  }

  @Test
  void aStraightThroughAttackWithoutAClampIsWarnedOf() {
    SweepConfig c =
        SweepConfig.load(
            null, List.of("sweep.attacks=[{type=fgsm, name=f, clamp-gradient=straight-through}]"));
    assertThat(c.warnings())
        .singleElement()
        .asString()
        .contains("sweep.attacks[0] ('f') sets clamp-gradient");
  }
}
