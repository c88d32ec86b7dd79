package io.adversarialprune.udfs.attack;

/**
 * Projected gradient descent on the cross entropy, L-infinity or L2, with restarts; the algorithm
 * is {@link PgdAttack}, and the two types differ only in the threat model's norm.
 *
 * <ul>
 *   <li>{@code pgd-linf}: L-infinity PGD (Madry et al., 2018), the study's attack with restarts:
 *       sign steps {@code x + alpha sign(grad CE)}, projected onto the eps box around the clean
 *       image and [0, 1]; a random start is {@code clamp(x + U(-eps, eps), 0, 1)} ({@link
 *       SampleNoise.Start#UNIFORM}).
 *   <li>{@code pgd-l2}: steps {@code x + alpha g / |g|_2} along the per-sample normalized gradient
 *       of CE, projected onto the L2 ball of radius eps around the clean image, then clipped to [0,
 *       1]; a random start is uniform inside the L2 ball ({@link SampleNoise.Start#BALL}), clipped
 *       to [0, 1].
 * </ul>
 *
 * <p>Restarts: restart {@code r} starts from noise seeded by {@code (seed, sample id, r)}; a sample
 * that a restart misclassifies is not restarted again, and each sample keeps the restart whose
 * final image is misclassified, else the one with the highest final cross entropy.
 *
 * @param norm the threat model: {@code "linf"} (type {@code pgd-linf}) or {@code "l2"} (type {@code
 *     pgd-l2})
 * @param eps the radius in [0, 1] pixel space: in (0, 1] for L-infinity, {@code > 0} for L2 ({@code
 *     eps})
 * @param alpha step size, {@code > 0} ({@code alpha})
 * @param steps steps per restart, {@code >= 1} ({@code steps})
 * @param randomStart start each restart from noise around the clean image, else from the clean
 *     image ({@code random-start})
 * @param restarts {@code >= 1} ({@code restarts}); more than 1 needs {@code randomStart}
 * @param round8bit round the result to 8 bits, {@code round(255 x) / 255}, after the last step
 *     ({@code round-8bit})
 * @param earlyStop stop stepping a sample once an iterate is misclassified and keep that iterate
 *     ({@code early-stop})
 */
public record Pgd(
    String norm,
    double eps,
    double alpha,
    int steps,
    boolean randomStart,
    int restarts,
    boolean round8bit,
    boolean earlyStop)
    implements AttackSpec {

  /** The start of both types; the rest is the norm. */
  private static final String PREFIX = "pgd-";

  /** Validates; messages name the key as {@code pgd-linf.<key>} or {@code pgd-l2.<key>}. */
  public Pgd {
    if (norm == null) {
      throw new IllegalArgumentException("pgd norm must be given");
    }
    SpecReader.require(
        PREFIX + norm,
        p -> {
          SpecReader.checkNormEps(norm, eps, p);
          SpecReader.checkAlpha(alpha, p);
          SpecReader.checkAtLeastOne("steps", steps, p);
          SpecReader.checkAtLeastOne("restarts", restarts, p);
          if (restarts > 1 && !randomStart) {
            p.add(
                "restarts",
                "must be 1 when random-start is false (every restart would repeat the first), got "
                    + restarts);
          }
        });
  }

  @Override
  public String type() {
    return PREFIX + norm;
  }

  @Override
  public String label() {
    return type()
        + " eps="
        + SpecReader.number(eps)
        + " alpha="
        + SpecReader.number(alpha)
        + " steps="
        + steps
        + " restarts="
        + restarts
        + SpecReader.flags(randomStart, round8bit, earlyStop);
  }

  @Override
  public int passes() {
    return Math.multiplyExact(steps, restarts);
  }

  @Override
  public int iterations() {
    return steps;
  }

  @Override
  public boolean shrinksBatches() {
    return restarts > 1 || (earlyStop && steps > 1);
  }

  @Override
  public Attack attack() {
    return new PgdAttack(this);
  }
}
