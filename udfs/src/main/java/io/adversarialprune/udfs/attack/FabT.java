package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;

/**
 * FAB-T, type {@code fab-t}: the targeted Fast Adaptive Boundary attack (Croce and Hein, ICML 2020,
 * "Minimally distorted adversarial examples with a fast adaptive boundary attack"; the targeted
 * version of AutoAttack's standard ensemble), L-infinity or L2. A minimal-norm attack: per target
 * class it walks to the linearized boundary between the label and the target, biased toward the
 * clean image, and keeps the smallest adversarial perturbation it finds, whatever its size. A
 * sample counts as broken when that smallest norm is at most {@code eps}; its image is then that
 * adversarial, else the clean image. Each sample's smallest norm found (over every target and
 * restart; 0 for a sample misclassified before the attack; none when no adversarial was found) is
 * recorded as its distance ({@link Attack.Traced#distances()}), the data of the robustness curve.
 * See {@link FabAttack} and docs/ATTACKS.md ("FAB-T") for the exact algorithm.
 *
 * @param norm the norm minimized and of the threat model: {@code "linf"} or {@code "l2"} ({@code
 *     norm})
 * @param eps the radius in [0, 1] pixel space at which a sample counts as broken, and the scale of
 *     the random restarts: in (0, 1] for L-infinity, {@code > 0} for L2 ({@code eps})
 * @param steps iterations per target and restart, {@code >= 1} ({@code steps}; AutoAttack: 100);
 *     each is one forward+backward pass and one forward pass
 * @param targets target classes per sample, {@code >= 1} ({@code targets}; AutoAttack: 9): the
 *     classes of the 2nd, 3rd, ... largest clean logit; needs a model with more classes
 * @param restarts per target, {@code >= 1} ({@code restarts}); the first starts at the clean image,
 *     later ones at a random point at distance {@code eps / 2}
 * @param round8bit judge, record and return the 8-bit rounding {@code round(255 x) / 255} of each
 *     iterate instead of the iterate itself, which goes on unrounded ({@code round-8bit})
 */
public record FabT(String norm, double eps, int steps, int targets, int restarts, boolean round8bit)
    implements AttackSpec {

  static final String TYPE = "fab-t";

  /** The largest weight of the step from the clean image (AutoAttack's {@code alpha_max}). */
  static final double ALPHA_MAX = 0.1;

  /** The overshoot past the linearized boundary (AutoAttack's {@code eta}). */
  static final double ETA = 1.05;

  /** The backward step toward the clean image after an adversarial iterate ({@code beta}). */
  static final double BETA = 0.9;

  /** Validates; messages name the key as {@code fab-t.<key>}. */
  public FabT {
    String n = norm;
    SpecReader.require(TYPE, p -> check(n, eps, steps, targets, restarts, p));
  }

  static void check(
      String norm, double eps, int steps, int targets, int restarts, ConfigProblems problems) {
    SpecReader.checkNormEps(norm, eps, problems);
    SpecReader.checkAtLeastOne("steps", steps, problems);
    SpecReader.checkAtLeastOne("targets", targets, problems);
    SpecReader.checkAtLeastOne("restarts", restarts, problems);
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String label() {
    return TYPE
        + " norm="
        + norm
        + " eps="
        + SpecReader.number(eps)
        + " steps="
        + steps
        + " targets="
        + targets
        + " restarts="
        + restarts
        + SpecReader.flags(false, round8bit, false);
  }

  /**
   * Forward+backward passes: {@code steps} per target and restart. Each step also makes one forward
   * pass on its new iterate (not counted, as for the other attacks' forward-only passes).
   */
  @Override
  public int passes() {
    return Math.multiplyExact(Math.multiplyExact(steps, targets), restarts);
  }

  @Override
  public int iterations() {
    return steps;
  }

  /**
   * A sample is not stopped inside a run: FAB keeps shrinking its adversarial perturbation. Only a
   * sample broken within {@code eps} by one target is not attacked with the next.
   */
  @Override
  public boolean earlyStop() {
    return false;
  }

  @Override
  public boolean recordsDistances() {
    return true;
  }

  @Override
  public boolean shrinksBatches() {
    return targets > 1 || restarts > 1;
  }

  @Override
  public String modelProblem(int classes) {
    if (targets > classes - 1) {
      return "fab-t with targets = "
          + targets
          + " needs a model with more than "
          + targets
          + " classes, the model has "
          + classes;
    }
    return null;
  }

  @Override
  public Attack attack() {
    return new FabAttack(this);
  }
}
