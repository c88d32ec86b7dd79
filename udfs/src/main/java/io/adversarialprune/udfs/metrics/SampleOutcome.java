package io.adversarialprune.udfs.metrics;

/**
 * What happened to one sample in one row. Immutable value.
 *
 * @param id the sample id
 * @param label the true label
 * @param cleanPred the (target) model's prediction on the clean image
 * @param advPred the (target) model's prediction on the adversarial image
 * @param cleanLoss cross entropy on the clean image
 * @param advLoss cross entropy on the adversarial image
 * @param linf L-infinity norm of {@code adv - clean} in [0, 1] pixel space
 * @param l2 L2 norm of {@code adv - clean} in [0, 1] pixel space
 * @param brokenBy for an attack made of members (the {@code autoattack} cascade), the member that
 *     broke the sample; null otherwise, and for a sample no member broke or that was misclassified
 *     before the attack
 * @param minDistance the smallest adversarial distance the attack found for the sample, in its norm
 *     ({@code Attack.Traced#distances()}): recorded by FAB-T and the {@code autoattack} cascade;
 *     NaN for other attacks and where none was found
 */
public record SampleOutcome(
    long id,
    int label,
    int cleanPred,
    int advPred,
    float cleanLoss,
    float advLoss,
    float linf,
    float l2,
    String brokenBy,
    float minDistance)
    implements java.io.Serializable {

  /** Whether the attack recorded a distance for this sample. */
  public boolean hasDistance() {
    return !Float.isNaN(minDistance);
  }

  /** The clean image is classified correctly. */
  public boolean correct() {
    return cleanPred == label;
  }

  /** The adversarial image is classified correctly. */
  public boolean advCorrect() {
    return advPred == label;
  }

  /** The prediction changed under attack. */
  public boolean changed() {
    return advPred != cleanPred;
  }

  /** Clean correct and adversarial wrong: a strict attack success. */
  public boolean attacked() {
    return correct() && !advCorrect();
  }
}
