package io.adversarialprune.udfs.attack;

import java.util.List;

/**
 * Auto-PGD, L-infinity (Croce and Hein, ICML 2020, Algorithm 1): step size from {@code 2 eps},
 * halved at checkpoints when progress stalls, momentum 0.75, restarts from the best point; no step
 * size to tune. Type {@code apgd-ce} maximizes the cross entropy, {@code apgd-dlr} the difference
 * of logits ratio (needs at least 3 classes). Every restart starts from AutoAttack's scaled uniform
 * noise ({@link SampleNoise#scaledStart}); see {@link ApgdAttack} for the exact algorithm.
 *
 * @param loss the loss maximized ({@code type})
 * @param eps L-infinity radius in [0, 1] pixel space, in (0, 1] ({@code eps})
 * @param steps iterations per restart {@code N_iter}, {@code >= 1} ({@code steps}); each costs one
 *     forward+backward pass
 * @param restarts {@code >= 1} ({@code restarts}); a sample misclassified by a restart is not
 *     restarted again
 * @param rho the fraction of steps since the last checkpoint that must have increased the loss to
 *     keep the step size, in (0, 1) ({@code rho}; the paper uses 0.75)
 * @param round8bit round the result to 8 bits, {@code round(255 x) / 255} ({@code round-8bit})
 * @param earlyStop stop iterating a sample once an iterate is misclassified and keep that iterate
 *     ({@code early-stop})
 */
public record Apgd(
    Loss loss,
    double eps,
    int steps,
    int restarts,
    double rho,
    boolean round8bit,
    boolean earlyStop)
    implements AttackSpec {

  /** The loss APGD maximizes. */
  public enum Loss {
    /** Cross entropy: type {@code apgd-ce}. */
    CE("apgd-ce"),
    /** Difference of logits ratio: type {@code apgd-dlr}. */
    DLR("apgd-dlr");

    private final String type;

    Loss(String type) {
      this.type = type;
    }

    /** The {@code type} value. */
    public String type() {
      return type;
    }
  }

  static final List<String> KEYS =
      List.of("type", "eps", "steps", "restarts", "rho", "round-8bit", "early-stop");

  /** Validates; messages name the key as {@code apgd-ce.<key>} or {@code apgd-dlr.<key>}. */
  public Apgd {
    if (loss == null) {
      throw new IllegalArgumentException("apgd loss must be given");
    }
    SpecReader.Collected problems = new SpecReader.Collected(loss.type());
    validate(eps, steps, restarts, rho, problems);
    problems.throwIfAny();
  }

  static void validate(
      double eps, int steps, int restarts, double rho, SpecReader.Problems problems) {
    SpecReader.checkEps(eps, problems);
    SpecReader.checkAtLeastOne("steps", steps, problems);
    SpecReader.checkAtLeastOne("restarts", restarts, problems);
    if (!(rho > 0 && rho < 1)) {
      problems.add("rho", "must be in (0, 1), got " + rho);
    }
  }

  static Apgd from(SpecReader in, String type) {
    in.onlyKeys(type, KEYS);
    double eps = in.number("eps");
    int steps = in.integer("steps");
    int restarts = in.integer("restarts");
    double rho = in.number("rho");
    boolean round8bit = in.bool("round-8bit");
    boolean earlyStop = in.bool("early-stop");
    validate(eps, steps, restarts, rho, in.sink());
    Loss loss = type.equals(Loss.CE.type()) ? Loss.CE : Loss.DLR;
    return in.ok() ? new Apgd(loss, eps, steps, restarts, rho, round8bit, earlyStop) : null;
  }

  @Override
  public String type() {
    return loss.type();
  }

  @Override
  public String norm() {
    return "linf";
  }

  @Override
  public String label() {
    return type()
        + " eps="
        + SpecReader.number(eps)
        + " steps="
        + steps
        + " restarts="
        + restarts
        + " rho="
        + SpecReader.number(rho)
        + SpecReader.flags(false, round8bit, earlyStop);
  }

  @Override
  public int passes() {
    return Math.multiplyExact(steps, restarts);
  }

  @Override
  public boolean shrinksBatches() {
    return restarts > 1 || earlyStop;
  }

  @Override
  public String modelProblem(int classes) {
    return loss == Loss.DLR && classes < 3
        ? "apgd-dlr needs a model with at least 3 classes, the model has " + classes
        : null;
  }

  @Override
  public Attack attack() {
    return new ApgdAttack(
        this,
        loss == Loss.CE ? Losses.Loss.CE : Losses.Loss.DLR,
        eps,
        steps,
        restarts,
        1,
        rho,
        round8bit,
        earlyStop);
  }
}
