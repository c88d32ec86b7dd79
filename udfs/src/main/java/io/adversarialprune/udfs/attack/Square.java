package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.config.ConfigProblems;
import io.adversarialprune.udfs.model.InputShape;

/**
 * The Square Attack (Andriushchenko et al., ECCV 2020, "Square Attack: a query-efficient black-box
 * adversarial attack via random search"), type {@code square}: random search on the margin loss
 * {@code z_y - max_{i != y} z_i} with square-shaped updates whose size shrinks on the paper's
 * schedule from {@code p-init}, L-infinity or L2. Gradient-free: forward passes only, and only on
 * the samples not yet misclassified (a misclassified sample stops at once and keeps that image).
 * Every random choice is drawn from the sample's own stream of {@code (seed, sample id, restart)}
 * ({@link SampleNoise}), so a sample's result does not depend on its batch or shard. See {@link
 * SquareAttack} and docs/ATTACKS.md ("Square") for the exact algorithm and where it departs from
 * AutoAttack's code.
 *
 * @param norm the threat model: {@code "linf"} or {@code "l2"} ({@code norm})
 * @param eps the radius in [0, 1] pixel space: in (0, 1] for L-infinity, {@code > 0} for L2 ({@code
 *     eps})
 * @param queries random-search iterations per restart, {@code >= 1} ({@code queries}; AutoAttack:
 *     5000); each is one forward pass of the samples still standing, after one on the clean images
 *     and one on the initial perturbation
 * @param pInit the fraction of the image the first squares cover, in (0, 1] ({@code p-init}; the
 *     paper and AutoAttack: 0.8)
 * @param restarts {@code >= 1} ({@code restarts}); a sample misclassified by a restart is not
 *     restarted
 * @param round8bit round every queried image to 8 bits, {@code round(255 x) / 255}, so the result
 *     is exactly an image that was queried ({@code round-8bit})
 */
public record Square(
    String norm, double eps, int queries, double pInit, int restarts, boolean round8bit)
    implements AttackSpec {

  static final String TYPE = "square";

  /** Validates; messages name the key as {@code square.<key>}. */
  public Square {
    String n = norm;
    SpecReader.require(TYPE, p -> check(n, eps, queries, pInit, restarts, p));
  }

  static void check(
      String norm, double eps, int queries, double pInit, int restarts, ConfigProblems problems) {
    SpecReader.checkNormEps(norm, eps, problems);
    SpecReader.checkAtLeastOne("queries", queries, problems);
    if (!(pInit > 0 && pInit <= 1)) {
      problems.add("p-init", "must be in (0, 1], got " + pInit);
    }
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
        + " queries="
        + queries
        + " p-init="
        + SpecReader.number(pInit)
        + " restarts="
        + restarts
        + SpecReader.flags(false, round8bit, false);
  }

  /** No forward+backward pass at all. */
  @Override
  public int passes() {
    return 0;
  }

  /** Its queries. */
  @Override
  public int iterations() {
    return queries;
  }

  /** The most forward passes one sample can cost: the clean one, the start, the queries. */
  public long forwardPasses() {
    return (long) restarts * (queries + 2L);
  }

  @Override
  public boolean gradientFree() {
    return true;
  }

  /** A misclassified sample always stops: that is where random search gets its speed. */
  @Override
  public boolean earlyStop() {
    return true;
  }

  @Override
  public boolean shrinksBatches() {
    return true;
  }

  /**
   * Why images of {@code shape} cannot be attacked: the L2 start tiles the image with squares of
   * side {@code height / 5}, so L2 needs images at least 5 pixels high and wide; null when they
   * can.
   */
  String shapeProblem(InputShape shape) {
    if (norm.equals("l2") && (shape.height() < 5 || shape.width() < 5)) {
      return "square with norm = l2 needs images at least 5 x 5 pixels, got "
          + shape.height()
          + " x "
          + shape.width();
    }
    return null;
  }

  @Override
  public Attack attack() {
    return new SquareAttack(this);
  }
}
