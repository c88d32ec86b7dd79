package io.adversarialprune.udfs.attack;

import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import java.util.ArrayList;
import java.util.List;

/**
 * An attack crafted on a source model and judged on a target model: clean and adversarial
 * predictions and losses come from the target. With the source as target this is the white-box
 * attack; with, for example, an int8 quantized copy loaded by {@link Classifier#loadForInference}
 * it is the study's transfer attack ("pretrained-qt").
 *
 * <p>Immutable; thread-safe as long as each thread uses its own classifiers. Native memory is
 * scoped inside the {@link Attack} and {@link Predictions}.
 */
public final class JudgedAttack {

  private final Attack attack;

  /** Crafts with {@code attack} on the source. */
  public JudgedAttack(Attack attack) {
    this.attack = attack;
  }

  /**
   * Attacks one batch and returns one outcome per sample, in batch order; also copies the batch's
   * adversarial images into {@code adversarialOut} from {@code offset} on, when it is not null.
   *
   * @param source the differentiable model the adversarial images are crafted on
   * @param target the model that is judged; {@code null} means {@code source}
   * @param seed the unit's seed (random starts)
   * @param ids sample ids
   * @param labels true labels
   * @param pixels NCHW pixels in [0, 1]
   * @param adversarialOut where the adversarial images go, or null
   * @param offset the index in {@code adversarialOut} of this batch's first value
   */
  public List<SampleOutcome> run(
      Classifier source,
      Classifier target,
      long seed,
      long[] ids,
      int[] labels,
      float[] pixels,
      float[] adversarialOut,
      int offset) {
    Classifier judge = target == null ? source : target;
    InputShape shape = source.inputShape();
    if (!judge.inputShape().equals(shape)) {
      throw new IllegalArgumentException(
          "target model "
              + judge.file()
              + " takes "
              + judge.inputShape()
              + " but source model "
              + source.file()
              + " takes "
              + shape);
    }
    if (judge.classes() != source.classes()) {
      throw new IllegalArgumentException(
          "target model "
              + judge.file()
              + " has "
              + judge.classes()
              + " classes but source model "
              + source.file()
              + " has "
              + source.classes());
    }
    Attack.Traced traced = attack.perturbTraced(source, seed, ids, labels, pixels);
    float[] adv = traced.images();
    if (adversarialOut != null) {
      System.arraycopy(adv, 0, adversarialOut, offset, adv.length);
    }
    Predictions clean = Predictions.of(judge, labels, pixels);
    Predictions attacked = Predictions.of(judge, labels, adv);
    int per = shape.pixels();
    List<SampleOutcome> out = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      double linf = 0;
      double sumSq = 0;
      for (int j = i * per; j < (i + 1) * per; j++) {
        double d = (double) adv[j] - pixels[j];
        linf = Math.max(linf, Math.abs(d));
        sumSq += d * d;
      }
      out.add(
          new SampleOutcome(
              ids[i],
              labels[i],
              clean.predictions()[i],
              attacked.predictions()[i],
              clean.losses()[i],
              attacked.losses()[i],
              (float) linf,
              (float) Math.sqrt(sumSq),
              traced.brokenBy() == null ? null : traced.brokenBy()[i]));
    }
    return out;
  }
}
