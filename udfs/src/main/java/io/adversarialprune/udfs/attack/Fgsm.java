package io.adversarialprune.udfs.attack;

/**
 * The fast gradient sign method (Goodfellow et al., 2015), L-infinity: one step of size eps from
 * the clean image, {@code x_adv = clamp(x + eps sign(grad CE), 0, 1)}; no random start. With {@code
 * earlyStop} a sample the model already misclassifies is left clean.
 *
 * @param eps L-infinity radius, in (0, 1] ({@code eps})
 * @param round8bit round the result to 8 bits, {@code round(255 x) / 255} ({@code round-8bit})
 * @param earlyStop leave samples that are misclassified before the step as they are ({@code
 *     early-stop})
 */
public record Fgsm(double eps, boolean round8bit, boolean earlyStop) implements AttackSpec {

  static final String TYPE = "fgsm";

  /** Validates; messages name the key as {@code fgsm.<key>}. */
  public Fgsm {
    SpecReader.require(TYPE, p -> SpecReader.checkEps(eps, p));
  }

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public String norm() {
    return "linf";
  }

  @Override
  public String label() {
    return TYPE + " eps=" + SpecReader.number(eps) + SpecReader.flags(false, round8bit, earlyStop);
  }

  @Override
  public int passes() {
    return 1;
  }

  /** One step. */
  @Override
  public int iterations() {
    return 1;
  }

  @Override
  public boolean shrinksBatches() {
    return false; // one pass on the whole batch; early stop only keeps misclassified images clean
  }

  @Override
  public Attack attack() {
    // One L-infinity PGD step of size eps from x: x + eps sign(g) never leaves the eps box, so
    // the projection only clips to [0, 1], bit for bit clamp(x + eps sign(g), 0, 1).
    return new Pgd("linf", eps, eps, 1, false, 1, round8bit, earlyStop).attack();
  }
}
