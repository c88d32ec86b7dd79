package io.adversarialprune.udfs.attack;

import java.util.List;

/**
 * What L-infinity PGD ({@link PgdLinf}) and L2 PGD ({@link PgdL2}) share: their keys, checks,
 * label, cost and algorithm ({@link PgdAttack}); the two differ only in the threat model's norm.
 *
 * <p>Restarts: restart {@code r} starts from noise seeded by {@code (seed, sample id, r)}; a sample
 * that a restart misclassifies is not restarted again, and each sample keeps the restart whose
 * final image is misclassified, else the one with the highest final cross entropy.
 */
sealed interface PgdSpec extends AttackSpec permits PgdLinf, PgdL2 {

  List<String> KEYS =
      List.of(
          "type", "eps", "alpha", "steps", "random-start", "restarts", "round-8bit", "early-stop");

  /** Step size, {@code > 0} ({@code alpha}). */
  double alpha();

  /** Steps per restart, {@code >= 1} ({@code steps}). */
  int steps();

  /** Whether each restart starts from noise around the clean image ({@code random-start}). */
  boolean randomStart();

  /** Restarts, {@code >= 1} ({@code restarts}). */
  int restarts();

  /** Whether the result is rounded to 8 bits after the last step ({@code round-8bit}). */
  boolean round8bit();

  @Override
  default String label() {
    return type()
        + " eps="
        + SpecReader.number(eps())
        + " alpha="
        + SpecReader.number(alpha())
        + " steps="
        + steps()
        + " restarts="
        + restarts()
        + SpecReader.flags(randomStart(), round8bit(), earlyStop());
  }

  @Override
  default int passes() {
    return Math.multiplyExact(steps(), restarts());
  }

  @Override
  default boolean shrinksBatches() {
    return restarts() > 1 || (earlyStop() && steps() > 1);
  }

  @Override
  default Attack attack() {
    return new PgdAttack(this);
  }

  /** The checks of either type; they differ only in the radius. */
  static void check(
      String type,
      double eps,
      double alpha,
      int steps,
      boolean randomStart,
      int restarts,
      SpecReader.Problems problems) {
    if (type.equals(PgdL2.TYPE)) {
      SpecReader.checkL2Eps(eps, problems);
    } else {
      SpecReader.checkEps(eps, problems);
    }
    SpecReader.checkAlpha(alpha, problems);
    SpecReader.checkAtLeastOne("steps", steps, problems);
    SpecReader.checkAtLeastOne("restarts", restarts, problems);
    if (restarts > 1 && !randomStart) {
      problems.add(
          "restarts",
          "must be 1 when random-start is false (every restart would repeat the first), got "
              + restarts);
    }
  }
}
