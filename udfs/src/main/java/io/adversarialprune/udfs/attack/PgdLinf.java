package io.adversarialprune.udfs.attack;

import java.util.List;

/**
 * L-infinity PGD (Madry et al., 2018), the study's attack with restarts: sign steps {@code x +
 * alpha sign(grad CE)}, projected onto the eps box around the clean image and [0, 1]; see {@link
 * PgdAttack}.
 *
 * <p>Restarts: restart {@code r} starts from noise seeded by {@code (seed, sample id, r)}; a sample
 * that a restart misclassifies is not restarted again, and each sample keeps the restart whose
 * final image is misclassified, else the one with the highest final cross entropy.
 *
 * @param eps L-infinity radius in [0, 1] pixel space, in (0, 1] ({@code eps})
 * @param alpha step size, {@code > 0} ({@code alpha})
 * @param steps steps per restart, {@code >= 1} ({@code steps})
 * @param randomStart start from {@code clamp(x + U(-eps, eps), 0, 1)} ({@link
 *     SampleNoise#randomStart}), else from the clean image ({@code random-start})
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
    implements AttackSpec {

  static final List<String> KEYS =
      List.of(
          "type", "eps", "alpha", "steps", "random-start", "restarts", "round-8bit", "early-stop");

  /** Validates; messages name the key as {@code pgd-linf.<key>}. */
  public PgdLinf {
    SpecReader.Collected problems = new SpecReader.Collected("pgd-linf");
    SpecReader.checkEps(eps, problems);
    validateSteps(alpha, steps, randomStart, restarts, problems);
    problems.throwIfAny();
  }

  /** The checks PGD shares across norms: everything but the radius. */
  static void validateSteps(
      double alpha, int steps, boolean randomStart, int restarts, SpecReader.Problems problems) {
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

  static PgdLinf from(SpecReader in) {
    in.onlyKeys("pgd-linf", KEYS);
    double eps = in.number("eps");
    double alpha = in.number("alpha");
    int steps = in.integer("steps");
    boolean randomStart = in.bool("random-start");
    int restarts = in.integer("restarts");
    boolean round8bit = in.bool("round-8bit");
    boolean earlyStop = in.bool("early-stop");
    SpecReader.checkEps(eps, in.sink());
    validateSteps(alpha, steps, randomStart, restarts, in.sink());
    return in.ok()
        ? new PgdLinf(eps, alpha, steps, randomStart, restarts, round8bit, earlyStop)
        : null;
  }

  @Override
  public String type() {
    return "pgd-linf";
  }

  @Override
  public String norm() {
    return "linf";
  }

  @Override
  public String label() {
    return label(type(), eps, alpha, steps, restarts, randomStart, round8bit, earlyStop);
  }

  /** The label PGD shares across norms, after its type. */
  static String label(
      String type,
      double eps,
      double alpha,
      int steps,
      int restarts,
      boolean randomStart,
      boolean round8bit,
      boolean earlyStop) {
    return type
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
  public boolean shrinksBatches() {
    return restarts > 1 || (earlyStop && steps > 1);
  }

  @Override
  public Attack attack() {
    return new PgdAttack(
        PgdAttack.Norm.LINF, eps, alpha, steps, randomStart, restarts, round8bit, earlyStop);
  }
}
