package io.adversarialprune.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adversarialprune.job.UserInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation of the typed sweep config: what is refused, all at once, and what is warned of. */
class SweepConfigTest {

  @Test
  void integersMustBeIntegersOfTheirWidthNamedByTheirFullKey() {
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.attack.steps=2.5")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("sweep.attack.steps must be an integer, got 2.5");
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.data.shards=3000000000")))
        .hasMessageContaining(
            "sweep.data.shards must be a 32-bit integer (at most 2147483647), got 3000000000");
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.seeds=[1, 2.5]")))
        .hasMessageContaining("sweep.seeds[1] must be an integer, got 2.5");
    // 64-bit keys take 64-bit values; an integral double is an integer.
    SweepConfig ok =
        SweepConfig.load(null, List.of("sweep.data.limit=3000000000", "sweep.attack.steps=3.0"));
    assertThat(ok.data().limit()).isEqualTo(3_000_000_000L);
    assertThat(ShippedConfigsTest.pgd(ok).steps()).isEqualTo(3);
  }

  @Test
  void everyProblemIsReportedInOneGo() {
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.attack.alpha=-1",
                        "sweep.attack.batch-size=0",
                        "sweep.attack.steps=2.5",
                        "sweep.data.limit=-1",
                        "sweep.data.shards=0",
                        "sweep.engine.intra-op-threads=-1",
                        "sweep.engine.memory-format=nhwc",
                        "sweep.attack.eps=abc")))
        .hasMessageContaining("invalid config (8 problems)")
        .hasMessageContaining("\n  sweep.attack.alpha must be > 0, got -1.0\n")
        .hasMessageContaining("\n  sweep.attack.batch-size must be >= 1, got 0")
        .hasMessageContaining("\n  sweep.attack.steps must be an integer, got 2.5")
        .hasMessageContaining("\n  sweep.attack.eps has type STRING")
        .hasMessageContaining("\n  sweep.data.limit must be >= 0 (0 = all), got -1")
        .hasMessageContaining("\n  sweep.data.shards must be >= 1, got 0")
        .hasMessageContaining("\n  sweep.engine.intra-op-threads must be >= 0, got -1")
        .hasMessageContaining("\n  sweep.engine.memory-format must be one of");
  }

  @Test
  void aStepLargerThanTheRadiusIsWarnedOf() {
    assertThat(SweepConfig.load(null, List.of()).warnings()).isEmpty();
    assertThat(
            SweepConfig.load(null, List.of("sweep.attack.eps=0.03", "sweep.attack.alpha=0.05"))
                .warnings())
        .singleElement()
        .asString()
        .contains("sweep.attacks[0] ('pgd-linf'): alpha (0.05) is larger than eps (0.03");
    // PGD-L2: a step longer than the radius; its eps may exceed 1, so the shared eps is not it
    assertThat(
            SweepConfig.load(
                    null,
                    List.of(
                        "sweep.attack.alpha=0.1",
                        "sweep.attacks=[{type=pgd-l2, eps=3, alpha=4}, {type=pgd-l2, name=ok,"
                            + " eps=3}]"))
                .warnings())
        .singleElement()
        .asString()
        .contains("sweep.attacks[0] ('pgd-l2'): alpha (4.0) is larger than eps (3.0")
        .contains("longer than the L2 ball's radius");
  }

  @Test
  void attacksInheritTheSharedBlockAndNameTheKeyAProblemCameFrom() {
    SweepConfig c =
        SweepConfig.load(
            null,
            List.of(
                "sweep.attack.eps=0.05",
                "sweep.attacks=[{type=pgd-linf, name=pgd}, {type=fgsm, eps=0.1}, {type=apgd-ce}]"));
    assertThat(c.attacks()).extracting(NamedAttack::name).containsExactly("pgd", "fgsm", "apgd-ce");
    assertThat(c.attacks()).extracting(a -> a.spec().eps()).containsExactly(0.05, 0.1, 0.05);
    assertThat(c.attacks())
        .extracting(a -> a.spec().type())
        .containsExactly("pgd-linf", "fgsm", "apgd-ce");
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.attack.eps=2",
                        "sweep.attacks=[{type=pgd-linf}, {type=fgsm, eps=-1}, {type=fgsm,"
                            + " name=worst-case}, {type=pgd-l2, rho=0.5}, {type=nope}]")))
        .isInstanceOf(UserInputException.class)
        // the shared value, named where it was set, once though two attacks inherit it
        .hasMessageContaining("\n  sweep.attack.eps must be in (0, 1]")
        .hasMessageContaining("\n  sweep.attacks[1].eps must be in (0, 1]")
        .hasMessageContaining("sweep.attacks[2].name 'worst-case' is reserved")
        .hasMessageContaining("sweep.attacks[3].rho is not a key of type pgd-l2 (its keys:")
        .hasMessageContaining("sweep.attacks[4].type must be one of");
  }

  @Test
  void apgdTargetedTakesItsTargetsFromTheSharedBlock() {
    SweepConfig c =
        SweepConfig.load(
            null,
            List.of(
                "sweep.attack.steps=100",
                "sweep.attacks=[{type=apgd-t}, {type=apgd-t, name=apgd-t3, targets=3}]"));
    assertThat(c.attacks())
        .extracting(a -> a.spec().label())
        .containsExactly(
            "apgd-t eps=0.03 steps=100 restarts=1 targets=9 rho=0.75 round-8bit",
            "apgd-t eps=0.03 steps=100 restarts=1 targets=3 rho=0.75 round-8bit");
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null, List.of("sweep.attack.targets=0", "sweep.attacks=[{type=apgd-t}]")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("sweep.attack.targets must be >= 1, got 0");
  }

  @Test
  void torchKindsAreGridKeysWithPathSafeLabels() {
    SweepConfig c =
        SweepConfig.load(
            null,
            List.of(
                "sweep.grid.baseline=false",
                "sweep.grid.L1=[0.5]",
                "sweep.grid.L1G=[0.25]",
                "sweep.grid.LN1=[0.1]",
                "sweep.grid.LN2=[1]",
                "sweep.grid.RANDOM=[0]",
                "sweep.grid.Q=[8]",
                "sweep.grid.QC=[8.0]",
                "sweep.grid.composite=[\"qc=8+l1=0.3+E=0.01\"]"));
    assertThat(c.grid().stream().map(GridEntry::label))
        .containsExactly(
            "L1=0.5",
            "L1G=0.25",
            "LN1=0.1",
            "LN2=1",
            "RANDOM=0",
            "Q=8",
            "QC=8",
            "E=0.01+L1=0.3+QC=8");
    assertThat(c.grid())
        .allSatisfy(s -> assertThat(s.label().replace('=', '_')).matches("[A-Za-z0-9._+-]+"));
  }

  @Test
  void badTorchKindValuesAreReportedUnderTheirKeysInOneGo() {
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.grid.L1=[1.5]",
                        "sweep.grid.RANDOM=[-0.1]",
                        "sweep.grid.Q=[7.5]",
                        "sweep.grid.L1G=[0.5, 0.50]",
                        "sweep.grid.composite=[\"L3=0.1\", \"Q=8+QC=8\", \"LN1=0.5\"]",
                        "sweep.grid.LN1=[0.5]")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("invalid config (6 problems)")
        .hasMessageContaining(
            "\n  sweep.grid.L1: prune value for L1 is the fraction to prune and must be in [0, 1],"
                + " got 1.5\n")
        .hasMessageContaining("\n  sweep.grid.RANDOM: prune value for RANDOM is the fraction")
        .hasMessageContaining(
            "\n  sweep.grid.Q: prune value for Q is the number of bits and must be an integer in"
                + " [2, 16], got 7.5")
        .hasMessageContaining("\n  sweep.grid.composite entry 'L3=0.1': prune type must be one of")
        .hasMessageContaining(
            "\n  sweep.grid.composite entry 'Q=8+QC=8': prune steps Q and QC do not combine")
        .hasMessageContaining("\n  sweep.grid lists the same config twice: L1G=0.5, LN1=0.5 (");
  }

  @Test
  void aTorchKindKeyTakesNumbersOnly() {
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.grid.Q=[\"tensor\"]")))
        .hasMessageContaining("sweep.grid.Q");
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.grid.L2=[0.5]")))
        .hasMessageContaining("unknown key sweep.grid.L2");
  }

  @Test
  void aCompositeWithAnEmptyStepIsRefusedNamingItsText() {
    // conf/default.conf's grid: R = [0.01, 0.05, ...]; a trailing '+' was once dropped silently.
    assertThatThrownBy(
            () ->
                SweepConfig.load(
                    null,
                    List.of(
                        "sweep.grid.R=[0.05]",
                        "sweep.grid.composite=[\"R=0.07+\", \"R=0.05+\", \"+E=0.1\","
                            + " \"E=0.1++R=1\"]")))
        .hasMessageContaining("invalid config (4 problems)")
        .hasMessageContaining(
            "\n  sweep.grid.composite entry 'R=0.07+': step 2 of 2 is empty (a '+' with no"
                + " TYPE=VALUE after it); expected TYPE=VALUE[+TYPE=VALUE...]")
        .hasMessageContaining("\n  sweep.grid.composite entry 'R=0.05+': step 2 of 2 is empty")
        .hasMessageContaining("\n  sweep.grid.composite entry '+E=0.1': step 1 of 2 is empty")
        .hasMessageContaining("\n  sweep.grid.composite entry 'E=0.1++R=1': step 2 of 3 is empty")
        .message()
        .doesNotContain("same config twice");
  }

  @Test
  void aCompositeStepThatIsNotTypeEqualsValueIsNamed() {
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.grid.composite=[\"E=0.1+R\"]")))
        .hasMessageContaining(
            "sweep.grid.composite entry 'E=0.1+R': 'R' is not TYPE=VALUE; expected");
  }

  @Test
  void anUnknownAttackKeyIsReportedOnce() {
    assertThatThrownBy(
            () -> SweepConfig.load(null, List.of("sweep.attacks=[{type=fgsm, steps=0, bogus=1}]")))
        .hasMessageContaining("invalid config (2 problems)")
        .hasMessageContaining("\n  sweep.attacks[0].bogus is not a key of type fgsm")
        .hasMessageContaining("\n  sweep.attacks[0].steps is not a key of type fgsm");
  }

  @Test
  void aSweepOrAttackNameTooLongForAFileNameIsRefused() {
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.name=" + "n".repeat(101))))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("sweep.name must be at most 100 characters (used in paths), got 101");
    assertThat(SweepConfig.load(null, List.of("sweep.name=" + "n".repeat(100))).name())
        .hasSize(100);
  }

  @Test
  void sZeroIsAcceptedWithAWarningNamingTheConfig() {
    SweepConfig c =
        SweepConfig.load(
            null, List.of("sweep.grid.S=[0, 3]", "sweep.grid.composite=[\"E=0.01+S=0\"]"));
    assertThat(c.grid().stream().map(GridEntry::label)).contains("S=0", "E=0.01+S=0");
    assertThat(c.warnings())
        .hasSize(2)
        .allSatisfy(w -> assertThat(w).contains("has S = 0", "to that tensor's mean"));
    assertThat(c.warnings().get(0)).startsWith("sweep.grid: config S=0 ");
  }

  @Test
  void aBooleanKeyThatIsNoBooleanIsNamedByItsFullKey() {
    assertThatThrownBy(() -> SweepConfig.load(null, List.of("sweep.anatomy=maybe")))
        .isInstanceOf(UserInputException.class)
        .hasMessageContaining("sweep.anatomy");
  }
}
