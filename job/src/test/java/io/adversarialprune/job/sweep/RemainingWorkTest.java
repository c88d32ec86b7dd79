package io.adversarialprune.job.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.adversarialprune.job.config.SweepConfig;
import io.adversarialprune.job.plan.SweepPlan;
import io.adversarialprune.job.plan.Unit;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The ETA's estimate of the work left, on units of unequal cost: FGSM (one pass) against a 100-step
 * APGD-CE, as a sweep's cheap and dear attacks.
 */
class RemainingWorkTest {
  /** Baseline, E=0.05 and S=2; FGSM and APGD-CE-100; one seed; two shards: 12 units. */
  private static final List<Unit> UNITS =
      SweepPlan.of(
              SweepConfig.load(
                  null,
                  List.of(
                      "sweep.grid.E=[0.05]",
                      "sweep.grid.S=[2]",
                      "sweep.seeds=[0]",
                      "sweep.attacks=[{type=fgsm}, {type=apgd-ce, name=apgd, steps=100}]")),
              new long[] {0, 100, 200})
          .units();

  private static List<Unit> units(Predicate<Unit> which) {
    return UNITS.stream().filter(which).toList();
  }

  private static Predicate<Unit> config(String id) {
    return u -> u.configId().equals(id);
  }

  private static Predicate<Unit> attack(String name) {
    return u -> u.attackName().equals(name);
  }

  @Test
  void theUnitsLeftAreWeighedByTheirAttacksCostNotCounted() {
    RemainingWork work = new RemainingWork();
    // done: every FGSM unit of the baseline and E (1 s each), the baseline's APGD units (20 s)
    List<Unit> fgsm = units(attack("fgsm").and(config("S_2").negate()));
    fgsm.forEach(u -> work.finished(u, 1));
    List<Unit> apgd = units(attack("apgd").and(config("baseline")));
    apgd.forEach(u -> work.finished(u, 20));
    List<Unit> left = UNITS.stream().filter(u -> !fgsm.contains(u) && !apgd.contains(u)).toList();
    assertThat(left).hasSize(6); // E's two APGD units, S=2's two FGSM and two APGD units

    // 44 s of attack time done in 44 s; left: 4 APGD units (20 s) and 2 FGSM units (1 s)
    assertThat(work.secondsLeft(left, 44).orElseThrow()).isCloseTo(82, within(1e-9));
    // counting units would have said 44 s: 6 left at 44 s per 6 done
  }

  @Test
  void aConfigsOwnFinishedUnitsOfAnAttackCountBeforeTheAttacksOthers() {
    RemainingWork work = new RemainingWork();
    units(attack("apgd").and(config("baseline"))).forEach(u -> work.finished(u, 20));
    // S=2's samples survive longer: its first APGD unit took three times as long
    List<Unit> s2 = units(attack("apgd").and(config("S_2")));
    work.finished(s2.get(0), 60);

    assertThat(work.expectedSeconds(s2.get(1))).isEqualTo(60);
    assertThat(work.expectedSeconds(units(attack("apgd").and(config("E_0.05"))).get(0)))
        .isCloseTo((20 + 20 + 60) / 3.0, within(1e-9));
  }

  @Test
  void anAttackWithNoFinishedUnitIsPricedByItsBudgetAtTheSecondsPerPassSeenSoFar() {
    RemainingWork work = new RemainingWork();
    List<Unit> fgsm = units(attack("fgsm"));
    fgsm.forEach(u -> work.finished(u, 2));
    Unit apgd = units(attack("apgd")).get(0);
    double perPass = 2.0 / fgsm.get(0).attack().spec().passes();

    assertThat(work.expectedSeconds(apgd))
        .isCloseTo(perPass * apgd.attack().spec().passes(), within(1e-9))
        .isGreaterThan(2 * 50);
  }

  @Test
  void noEtaBeforeAUnitHasFinished() {
    assertThat(new RemainingWork().secondsLeft(UNITS, 30)).isEmpty();
  }
}
