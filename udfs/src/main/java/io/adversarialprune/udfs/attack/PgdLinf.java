package io.adversarialprune.udfs.attack;

/**
 * L-infinity PGD (Madry et al., 2018), the study's attack with restarts: sign steps {@code x +
 * alpha sign(grad CE)}, projected onto the eps box around the clean image and [0, 1]; see {@link
 * PgdAttack}, and {@link PgdSpec} for restarts.
 *
 * @param eps L-infinity radius in [0, 1] pixel space, in (0, 1] ({@code eps})
 * @param alpha step size, {@code > 0} ({@code alpha})
 * @param steps steps per restart, {@code >= 1} ({@code steps})
 * @param randomStart start from {@code clamp(x + U(-eps, eps), 0, 1)} ({@link
 *     SampleNoise.Start#UNIFORM}), else from the clean image ({@code random-start})
 * @param restarts {@code >= 1} ({@code restarts})
 * @param round8bit round the result to 8 bits, {@code round(255 x) / 255}, after the last step
 *     ({@code round-8bit})
 * @param earlyStop stop stepping a sample once an iterate is misclassified and keep that iterate
 *     ({@code early-stop})
 */
public record PgdLinf(
    double eps,
    double alpha,
    int steps,
    boolean randomStart,
    int restarts,
    boolean round8bit,
    boolean earlyStop)
    implements PgdSpec {

  static final String TYPE = "pgd-linf";

  /** Validates; messages name the key as {@code pgd-linf.<key>}. */
  public PgdLinf {
    SpecReader.require(TYPE, p -> PgdSpec.check(TYPE, eps, alpha, steps, randomStart, restarts, p));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String norm() {
    return "linf";
  }
}
