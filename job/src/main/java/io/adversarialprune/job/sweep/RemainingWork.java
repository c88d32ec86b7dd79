package io.adversarialprune.job.sweep;

import io.adversarialprune.job.plan.Unit;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * How long a run's uncommitted units will take, weighed by the work each has left rather than
 * counted: units cost very differently (FGSM's one pass against AutoAttack's cascade, and within
 * one attack a config whose samples survive APGD gets the whole cascade), so the units-left pace of
 * the cheap ones said minutes too few. A unit's expected cost is, in seconds of its own attack time
 * (its {@code UnitInfo.seconds}): the mean of the finished units of its config and attack; else of
 * its attack; else its attack's budget ({@code AttackSpec.passes()} per sample) at the seconds per
 * pass the finished units took. The time left is the elapsed time scaled by the expected cost left
 * over the cost finished, so the executors' parallelism and the run's own overheads carry over as
 * they were.
 *
 * <p>Not thread-safe: one {@link Progress} thread feeds and reads it.
 */
final class RemainingWork {
  private final Map<String, Sum> byConfigAttack = new HashMap<>();
  private final Map<String, Sum> byAttack = new HashMap<>();
  private double doneSeconds;
  private double donePasses;

  /** A unit this run computed, and its attack time. */
  void finished(Unit unit, double seconds) {
    byConfigAttack.computeIfAbsent(key(unit), k -> new Sum()).add(seconds);
    byAttack.computeIfAbsent(unit.attackName(), k -> new Sum()).add(seconds);
    doneSeconds += seconds;
    donePasses += passes(unit);
  }

  /** The expected attack time of {@code unit}, from the units finished so far. */
  double expectedSeconds(Unit unit) {
    Sum same = byConfigAttack.get(key(unit));
    if (same != null) {
      return same.mean();
    }
    Sum attack = byAttack.get(unit.attackName());
    if (attack != null) {
      return attack.mean();
    }
    return donePasses > 0 ? passes(unit) * doneSeconds / donePasses : 0;
  }

  /**
   * Seconds until {@code left} are done, {@code elapsed} seconds into the units this run computes;
   * empty until a unit has finished with a measured time.
   */
  OptionalDouble secondsLeft(Collection<Unit> left, double elapsed) {
    if (doneSeconds <= 0) {
      return OptionalDouble.empty();
    }
    double work = 0;
    for (Unit u : left) {
      work += expectedSeconds(u);
    }
    return OptionalDouble.of(elapsed * work / doneSeconds);
  }

  private static String key(Unit unit) {
    return unit.configId() + "\u0000" + unit.attackName();
  }

  private static double passes(Unit unit) {
    return Math.max(1, unit.attack().spec().passes());
  }

  /** Seconds of the finished units of one kind. */
  private static final class Sum {
    private double seconds;
    private int units;

    void add(double s) {
      seconds += s;
      units++;
    }

    double mean() {
      return seconds / units;
    }
  }
}
