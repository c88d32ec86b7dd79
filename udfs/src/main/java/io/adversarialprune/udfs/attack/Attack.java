package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.Network;

/**
 * The executor-side algorithm of one attack, made by {@link AttackSpec#attack()}.
 *
 * <p>Implementations are immutable and thread-safe as long as each thread uses its own {@link
 * Network}. All randomness is drawn per {@code (seed, sample id[, restart])} ({@link SampleNoise}),
 * so a sample's result does not depend on the batch it is in. Native memory is scoped inside the
 * call: one sub-manager of the source's manager per call (or restart) and one per step; nothing is
 * left on the classifier's manager. The calling thread's grad mode is restored on return.
 */
public interface Attack {

  /**
   * Adversarial images for one batch.
   *
   * @param source a {@link Classifier.Mode#DIFFERENTIABLE} classifier whose input gradient drives
   *     the attack
   * @param seed the unit's seed, for random starts
   * @param ids sample ids, one per image
   * @param labels true labels, one per image, in {@code [0, source.classes())}
   * @param pixels {@code N * C * H * W} values in [0, 1], NCHW, of {@code source.inputShape()}
   * @return the adversarial images, same layout as {@code pixels}
   * @throws IllegalArgumentException when the arrays do not fit each other or the model, or the
   *     model was loaded for inference
   */
  float[] perturb(Network source, long seed, long[] ids, int[] labels, float[] pixels);

  /**
   * As {@link #perturb}, and per sample which part of the attack broke it, where the attack is made
   * of parts (the members of {@link AutoAttack}'s cascade), and the smallest adversarial
   * perturbation found, where the attack minimizes it ({@link FabT}); the default has neither.
   */
  default Traced perturbTraced(
      Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    return new Traced(perturb(source, seed, ids, labels, pixels), null, null);
  }

  /**
   * An attack that makes its trace as it goes: its images are its {@link #perturbTraced} images,
   * the one algorithm serving both calls.
   */
  interface Tracing extends Attack {
    @Override
    Traced perturbTraced(Network source, long seed, long[] ids, int[] labels, float[] pixels);

    @Override
    default float[] perturb(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
      return perturbTraced(source, seed, ids, labels, pixels).images();
    }
  }

  /**
   * Adversarial images and, per sample, the name of the part of the attack that broke it and the
   * smallest adversarial distance found.
   *
   * @param images the adversarial images, the layout of the input
   * @param brokenBy per sample the breaking part's name, null for a sample no part broke; the array
   *     itself is null for an attack without parts
   * @param distances per sample the norm, in the attack's {@link AttackSpec#norm()} and [0, 1]
   *     pixel space, of the smallest adversarial perturbation the attack found, of any size (FAB-T
   *     finds them beyond {@code eps} too); 0 for a sample misclassified before the attack; NaN
   *     where none was found. The array itself is null for an attack that does not record distances
   */
  record Traced(float[] images, String[] brokenBy, float[] distances) {}
}
