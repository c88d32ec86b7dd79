package io.adversarialprune.udfs.attack;

/**
 * APGD-T, type {@code apgd-t}: Auto-PGD, L-infinity, on the targeted DLR loss (Croce and Hein, ICML
 * 2020, section 4 and AutoAttack's standard version), run once per target class:
 *
 * <pre>
 *   DLR_t(z, y) = -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)
 * </pre>
 *
 * with {@code z_pi1 >= z_pi2 >= ...} the sorted logits. The targets of a sample are the classes
 * other than its label in descending order of its clean logits (ties: the lower class first), the
 * first {@code targets} of them: for a correctly classified sample, AutoAttack's 2nd, 3rd, ...
 * largest logit. Target {@code j} is attacked {@code restarts} times, as APGD ({@link ApgdAttack})
 * with this loss; a sample counts as broken when it is misclassified (any class, as AutoAttack),
 * and a broken sample is not attacked again. Needs a model with at least 4 classes and more than
 * {@code targets}.
 *
 * @param eps L-infinity radius in [0, 1] pixel space, in (0, 1] ({@code eps})
 * @param steps iterations per target and restart, {@code >= 1} ({@code steps})
 * @param restarts per target, {@code >= 1} ({@code restarts})
 * @param targets target classes per sample, {@code >= 1} ({@code targets}; AutoAttack uses 9)
 * @param rho APGD's step-size halving threshold, in (0, 1) ({@code rho})
 * @param round8bit round the result to 8 bits ({@code round-8bit})
 * @param earlyStop stop iterating a sample once an iterate is misclassified ({@code early-stop})
 */
public record ApgdT(
    double eps,
    int steps,
    int restarts,
    int targets,
    double rho,
    boolean round8bit,
    boolean earlyStop)
    implements ApgdSpec {

  static final String TYPE = "apgd-t";

  /** Validates; messages name the key as {@code apgd-t.<key>}. */
  public ApgdT {
    SpecReader.require(
        TYPE,
        p -> {
          ApgdSpec.check(eps, steps, restarts, rho, p);
          SpecReader.checkAtLeastOne("targets", targets, p);
        });
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String label() {
    return ApgdSpec.label(this, " targets=" + targets);
  }

  @Override
  public int passes() {
    return Math.multiplyExact(ApgdSpec.super.passes(), targets);
  }

  @Override
  public boolean shrinksBatches() {
    return ApgdSpec.super.shrinksBatches() || targets > 1;
  }

  @Override
  public String modelProblem(int classes) {
    if (classes < 4) {
      return "apgd-t needs a model with at least 4 classes (its loss takes the 4th largest"
          + " logit), the model has "
          + classes;
    }
    if (targets > classes - 1) {
      return "apgd-t with targets = "
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
    return new ApgdAttack(this, Losses.Loss.DLR_TARGETED, targets);
  }
}
