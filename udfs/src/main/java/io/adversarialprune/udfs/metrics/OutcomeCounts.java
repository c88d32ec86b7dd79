package io.adversarialprune.udfs.metrics;

import java.util.Collection;

/**
 * Mergeable counts of one or more rows: counts add up across shards and seeds, rates do not, so
 * results are kept as counts and turned into {@link Rate}s last. Immutable value.
 *
 * <p>The four metrics are named for what they are (the study's printout swaps "Prediction Change
 * Rate" and "Attack Success Rate"):
 *
 * <ul>
 *   <li>{@link #cleanAcc()} = correct / total
 *   <li>{@link #remnantAcc()} = advCorrect / total
 *   <li>{@link #predChangeRate()} = changed / total, changed = adv prediction != clean prediction
 *   <li>{@link #strictAsr()} = attacked / correct, attacked = clean correct and adversarial wrong
 * </ul>
 *
 * @param total samples
 * @param correct clean prediction == label
 * @param advCorrect adversarial prediction == label
 * @param changed adversarial prediction != clean prediction
 * @param attacked clean correct and adversarial wrong
 */
public record OutcomeCounts(long total, long correct, long advCorrect, long changed, long attacked)
    implements java.io.Serializable {

  /** No samples. */
  public static final OutcomeCounts ZERO = new OutcomeCounts(0, 0, 0, 0, 0);

  /** Validates that every count is in {@code [0, total]} and attacked {@code <= correct}. */
  public OutcomeCounts {
    if (total < 0
        || correct < 0
        || correct > total
        || advCorrect < 0
        || advCorrect > total
        || changed < 0
        || changed > total
        || attacked < 0
        || attacked > correct) {
      throw new IllegalArgumentException(
          "inconsistent outcome counts: total="
              + total
              + " correct="
              + correct
              + " advCorrect="
              + advCorrect
              + " changed="
              + changed
              + " attacked="
              + attacked);
    }
  }

  /** Counts of the given outcomes. */
  public static OutcomeCounts of(Collection<SampleOutcome> outcomes) {
    long correct = 0;
    long advCorrect = 0;
    long changed = 0;
    long attacked = 0;
    for (SampleOutcome o : outcomes) {
      correct += o.correct() ? 1 : 0;
      advCorrect += o.advCorrect() ? 1 : 0;
      changed += o.changed() ? 1 : 0;
      attacked += o.attacked() ? 1 : 0;
    }
    return new OutcomeCounts(outcomes.size(), correct, advCorrect, changed, attacked);
  }

  /** The element-wise sum. */
  public OutcomeCounts plus(OutcomeCounts other) {
    return new OutcomeCounts(
        total + other.total,
        correct + other.correct,
        advCorrect + other.advCorrect,
        changed + other.changed,
        attacked + other.attacked);
  }

  /** correct / total. */
  public Rate cleanAcc() {
    return Rate.of(correct, total);
  }

  /** advCorrect / total. */
  public Rate remnantAcc() {
    return Rate.of(advCorrect, total);
  }

  /** changed / total. */
  public Rate predChangeRate() {
    return Rate.of(changed, total);
  }

  /** attacked / correct: of the samples the model got right, the share the attack flipped. */
  public Rate strictAsr() {
    return Rate.of(attacked, correct);
  }
}
