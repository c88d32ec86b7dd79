package io.adversarialprune.udfs.attack;

/**
 * L2 PGD: steps {@code x + alpha g / |g|_2} along the per-sample normalized gradient of CE,
 * projected onto the L2 ball of radius eps around the clean image, then clipped to [0, 1]; see
 * {@link PgdAttack}, and {@link PgdSpec} for restarts.
 *
 * @param eps L2 radius in [0, 1] pixel space, {@code > 0} ({@code eps})
 * @param alpha step size, {@code > 0} ({@code alpha})
 * @param steps steps per restart, {@code >= 1} ({@code steps})
 * @param randomStart start uniformly inside the L2 ball ({@link SampleNoise.Start#BALL}), clipped
 *     to [0, 1], else from the clean image ({@code random-start})
 * @param restarts {@code >= 1} ({@code restarts})
 * @param round8bit round the result to 8 bits, {@code round(255 x) / 255}, after the last step
 *     ({@code round-8bit})
 * @param earlyStop stop stepping a sample once an iterate is misclassified and keep that iterate
 *     ({@code early-stop})
 */
public record PgdL2(
    double eps,
    double alpha,
    int steps,
    boolean randomStart,
    int restarts,
    boolean round8bit,
    boolean earlyStop)
    implements PgdSpec {

  static final String TYPE = "pgd-l2";

  /** Validates; messages name the key as {@code pgd-l2.<key>}. */
  public PgdL2 {
    SpecReader.require(TYPE, p -> PgdSpec.check(TYPE, eps, alpha, steps, randomStart, restarts, p));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String norm() {
    return "l2";
  }
}
