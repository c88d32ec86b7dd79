package io.adversarialprune.udfs.attack;

/**
 * Auto-PGD, L-infinity (Croce and Hein, ICML 2020, Algorithm 1): step size from {@code 2 eps},
 * halved at checkpoints when progress stalls, momentum 0.75, restarts from the best point; no step
 * size to tune. Type {@code apgd-ce} maximizes the cross entropy, {@code apgd-dlr} the difference
 * of logits ratio (needs at least 3 classes). Every restart starts from AutoAttack's scaled uniform
 * noise ({@link SampleNoise.Start#SCALED}); see {@link ApgdAttack} for the exact algorithm.
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
    implements ApgdSpec {

  /** The loss APGD maximizes. */
  public enum Loss {
    /** Cross entropy: type {@code apgd-ce}. */
    CE("apgd-ce", Losses.Loss.CE),
    /** Difference of logits ratio: type {@code apgd-dlr}. */
    DLR("apgd-dlr", Losses.Loss.DLR);

    private final String type;
    private final Losses.Loss objective;

    Loss(String type, Losses.Loss objective) {
      this.type = type;
      this.objective = objective;
    }

    /** The {@code type} value. */
    public String type() {
      return type;
    }
  }

  /** Validates; messages name the key as {@code apgd-ce.<key>} or {@code apgd-dlr.<key>}. */
  public Apgd {
    if (loss == null) {
      throw new IllegalArgumentException("apgd loss must be given");
    }
    SpecReader.require(loss.type(), p -> ApgdSpec.check(eps, steps, restarts, rho, p));
  }

  @Override
  public String type() {
    return loss.type();
  }

  @Override
  public String modelProblem(int classes) {
    return loss == Loss.DLR && classes < 3
        ? "apgd-dlr needs a model with at least 3 classes, the model has " + classes
        : null;
  }

  @Override
  public Attack attack() {
    return new ApgdAttack(this, loss.objective, 1);
  }
}
