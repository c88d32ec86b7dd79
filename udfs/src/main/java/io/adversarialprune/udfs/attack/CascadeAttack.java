package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.model.Network;
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
 * <p>Distances ({@link Attack.Traced#distances()}): per sample, the smallest norm of an adversarial
 * perturbation any member that attacked it found, in that member's norm: a minimal-norm member's
 * own distance (FAB-T's, beyond {@code eps} too), else the norm of the image of the member that
 * broke it; 0 for a sample misclassified before the attack; NaN where no member found one. A sample
 * broken by a member before FAB-T so carries that member's distance, at most {@code eps} but not
 * minimized (FAB-T never attacks it): its true minimal distance may be smaller.
 *
 * <p>Immutable; thread-safe as long as each thread uses its own {@link Network}. Native memory as
 * the members' and {@link Predictions}'.
 */
public final class CascadeAttack implements Attack.Tracing {

  private final List<AttackSpec> members;

  /** The cascade of {@code members}, in order. */
  CascadeAttack(List<AttackSpec> members) {
    this.members = List.copyOf(members);
  }

  @Override
  public Traced perturbTraced(Network source, long seed, long[] ids, int[] labels, float[] pixels) {
    int n = AttackSupport.checkBatch(source.inputShape(), ids, labels, pixels);
    int per = source.inputShape().pixels();
    float[] out = pixels.clone();
    String[] brokenBy = new String[n];
    float[] distances = new float[n];
    int[] clean = Predictions.of(source, labels, pixels).predictions();
    boolean[] standing = new boolean[n];
    for (int i = 0; i < n; i++) {
      standing[i] = clean[i] == labels[i];
      distances[i] = standing[i] ? Float.NaN : 0f;
    }
    int[] todo = AttackSupport.where(standing);
    for (AttackSpec member : members) {
      if (todo.length == 0) {
        break;
      }
      int[] rows = AttackSupport.restartRows(todo, n);
      int[] y = AttackSupport.pick(labels, rows);
      float[] cleanRows = AttackSupport.pick(pixels, per, rows);
      Traced traced =
          member.attack().perturbTraced(source, seed, AttackSupport.pick(ids, rows), y, cleanRows);
      float[] adv = traced.images();
      int[] predicted = Predictions.of(source, y, adv).predictions();
      boolean l2 = member.norm().equals("l2");
      boolean[] again = new boolean[todo.length];
      for (int k = 0; k < todo.length; k++) {
        int i = todo[k];
        float found = traced.distances() == null ? Float.NaN : traced.distances()[k];
        if (predicted[k] != y[k]) {
          AttackSupport.put(adv, k, out, i, per);
          brokenBy[i] = member.type();
          if (Float.isNaN(found)) {
            found = AttackSupport.distance(l2, adv, cleanRows, k * per, per);
          }
        } else {
          again[k] = true;
        }
        if (!Float.isNaN(found) && (Float.isNaN(distances[i]) || found < distances[i])) {
          distances[i] = found;
        }
      }
      todo = AttackSupport.pick(todo, AttackSupport.where(again));
    }
    return new Traced(out, brokenBy, distances);
  }
}
