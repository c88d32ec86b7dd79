package io.adversarialprune.udfs.attack;

import java.util.List;

/**
 * L2 PGD: steps {@code x + alpha g / |g|_2} along the per-sample normalized gradient of CE,
 * projected onto the L2 ball of radius eps around the clean image, then clipped to [0, 1]; see
 * {@link PgdAttack}.
 *
 * <p>Restarts: restart {@code r} starts from noise seeded by {@code (seed, sample id, r)}; a sample
 * that a restart misclassifies is not restarted again, and each sample keeps the restart whose
 * final image is misclassified, else the one with the highest final cross entropy.
 *
 * @param eps L2 radius in [0, 1] pixel space, {@code > 0} ({@code eps})
 * @param alpha step size, {@code > 0} ({@code alpha})
 * @param steps steps per restart, {@code >= 1} ({@code steps})
 * @param randomStart start uniformly inside the L2 ball ({@link SampleNoise#ballStart}), clipped to
 *     [0, 1], else from the clean image ({@code random-start})
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
    implements AttackSpec {

  static final List<String> KEYS =
      List.of(
          "type", "eps", "alpha", "steps", "random-start", "restarts", "round-8bit", "early-stop");

  /** Validates; messages name the key as {@code pgd-l2.<key>}. */
  public PgdL2 {
    SpecReader.Collected problems = new SpecReader.Collected("pgd-l2");
    SpecReader.checkL2Eps(eps, problems);
    PgdLinf.validateSteps(alpha, steps, randomStart, restarts, problems);
    problems.throwIfAny();
  }

  static PgdL2 from(SpecReader in) {
    in.onlyKeys("pgd-l2", KEYS);
    double eps = in.number("eps");
    double alpha = in.number("alpha");
    int steps = in.integer("steps");
    boolean randomStart = in.bool("random-start");
    int restarts = in.integer("restarts");
    boolean round8bit = in.bool("round-8bit");
    boolean earlyStop = in.bool("early-stop");
    SpecReader.checkL2Eps(eps, in.sink());
    PgdLinf.validateSteps(alpha, steps, randomStart, restarts, in.sink());
    return in.ok()
        ? new PgdL2(eps, alpha, steps, randomStart, restarts, round8bit, earlyStop)
        : null;
  }

  @Override
  public String type() {
    return "pgd-l2";
  }

  @Override
  public String norm() {
    return "l2";
  }

  @Override
  public String label() {
    return PgdLinf.label(type(), eps, alpha, steps, restarts, randomStart, round8bit, earlyStop);
  }

  @Override
  public int passes() {
    return Math.multiplyExact(steps, restarts);
  }

  @Override
  public boolean shrinksBatches() {
    return restarts > 1 || (earlyStop && steps > 1);
  }

  @Override
  public Attack attack() {
    return new PgdAttack(
        PgdAttack.Norm.L2, eps, alpha, steps, randomStart, restarts, round8bit, earlyStop);
  }
}
