package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;

/**
 * What the Auto-PGD types share ({@link Apgd}: {@code apgd-ce}, {@code apgd-dlr}; {@link ApgdT}:
 * {@code apgd-t}): L-infinity, the keys {@code eps}, {@code steps}, {@code restarts}, {@code rho},
 * {@code round-8bit} and {@code early-stop}, their checks, the label's layout and the algorithm
 * ({@link ApgdAttack}).
 */
sealed interface ApgdSpec extends AttackSpec permits Apgd, ApgdT {

  /** Iterations per restart (and target), {@code >= 1} ({@code steps}). */
  int steps();

  /** Restarts (per target), {@code >= 1} ({@code restarts}). */
  int restarts();

  /** The step-size halving threshold, in (0, 1) ({@code rho}). */
  double rho();

  /** Whether the result is rounded to 8 bits ({@code round-8bit}). */
  boolean round8bit();

  @Override
  default String norm() {
    return "linf";
  }

  @Override
  default String label() {
    return label(this, "");
  }

  /** The label of {@code spec} with {@code options} (e.g. " targets=9") after its restarts. */
  static String label(ApgdSpec spec, String options) {
    return spec.type()
        + " eps="
        + SpecReader.number(spec.eps())
        + " steps="
        + spec.steps()
        + " restarts="
        + spec.restarts()
        + options
        + " rho="
        + SpecReader.number(spec.rho())
        + SpecReader.flags(false, spec.round8bit(), spec.earlyStop());
  }

  @Override
  default int passes() {
    return Math.multiplyExact(steps(), restarts());
  }

  @Override
  default int iterations() {
    return steps();
  }

  @Override
  default boolean shrinksBatches() {
    return restarts() > 1 || earlyStop();
  }

  /** The checks every APGD type makes. */
  static void check(double eps, int steps, int restarts, double rho, ConfigProblems problems) {
    SpecReader.checkEps(eps, problems);
    SpecReader.checkAtLeastOne("steps", steps, problems);
    SpecReader.checkAtLeastOne("restarts", restarts, problems);
    if (!(rho > 0 && rho < 1)) {
      problems.add("rho", "must be in (0, 1), got " + rho);
    }
  }
}
