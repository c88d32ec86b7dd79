package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.model.Classifier;
import java.util.List;

/**
 * Attacks run one after another, each on the samples still standing ({@link AutoAttack}'s cascade):
 * one forward pass first finds the samples the model already misclassifies (they keep their clean
 * image and are attacked by no member, as in AutoAttack); each member then attacks the samples no
 * member before it broke, padded to a bucket of the batch ({@link AttackSupport#restartRows}), and
 * one forward pass on its images tells which it broke. A broken sample keeps that member's image
 * and records the member's type; a sample no member breaks keeps its clean image (AutoAttack
 * returns it unperturbed). Every member's result for a sample depends only on the sample, so
 * whether the cascade breaks a sample is exactly whether any member, run on its own, breaks it: the
 * cascade's remnant accuracy is the per-sample minimum over its members.
 *
 * <p>Immutable; thread-safe as long as each thread uses its own {@link Classifier}. Native memory
 * as the members' and {@link Predictions}'.
 */
public final class CascadeAttack implements Attack {

  private final List<AttackSpec> members;

  /** The cascade of {@code members}, in order. */
  CascadeAttack(List<AttackSpec> members) {
    this.members = List.copyOf(members);
  }

  @Override
  public float[] perturb(Classifier source, long seed, long[] ids, int[] labels, float[] pixels) {
    return perturbTraced(source, seed, ids, labels, pixels).images();
  }

  @Override
  public Traced perturbTraced(
      Classifier source, long seed, long[] ids, int[] labels, float[] pixels) {
    int n = AttackSupport.checkBatch(source.inputShape(), ids, labels, pixels);
    int per = source.inputShape().pixels();
    float[] out = pixels.clone();
    String[] brokenBy = new String[n];
    int[] clean = Predictions.of(source, labels, pixels).predictions();
    boolean[] standing = new boolean[n];
    for (int i = 0; i < n; i++) {
      standing[i] = clean[i] == labels[i];
    }
    int[] todo = AttackSupport.where(standing);
    for (AttackSpec member : members) {
      if (todo.length == 0) {
        break;
      }
      int[] rows = AttackSupport.restartRows(todo, n);
      int[] y = AttackSupport.pick(labels, rows);
      float[] adv =
          member
              .attack()
              .perturb(
                  source,
                  seed,
                  AttackSupport.pick(ids, rows),
                  y,
                  AttackSupport.pick(pixels, per, rows));
      int[] predicted = Predictions.of(source, y, adv).predictions();
      boolean[] again = new boolean[todo.length];
      for (int k = 0; k < todo.length; k++) {
        if (predicted[k] != y[k]) {
          AttackSupport.put(adv, k, out, todo[k], per);
          brokenBy[todo[k]] = member.type();
        } else {
          again[k] = true;
        }
      }
      todo = AttackSupport.pick(todo, AttackSupport.where(again));
    }
    return new Traced(out, brokenBy);
  }
}
