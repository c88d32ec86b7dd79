package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.adversarialprune.udfs.anatomy.Anatomy;
import io.adversarialprune.udfs.anatomy.LayerStats;
import io.adversarialprune.udfs.metrics.SampleOutcome;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import io.adversarialprune.udfs.model.Probes;
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
   * One batch's outcomes and, when asked for, its layer anatomy.
   *
   * @param samples one outcome per sample, in batch order
   * @param layers the source's probed layers on this batch ({@link Anatomy#measure}), or null
   */
  public record Judged(List<SampleOutcome> samples, List<LayerStats> layers) {}

  /**
   * Attacks one batch and returns one outcome per sample, in batch order; also copies the batch's
   * adversarial images into {@code adversarialOut} from {@code offset} on, when it is not null, and
   * measures the source's layer anatomy on the batch when {@code anatomy} (its probes) is given.
   * White-box on the plain classifier the probes belong to, the predictions come from the anatomy
   * passes' logits, which equal the forward pass's bit for bit, instead of two more forward passes.
   *
   * @param source the differentiable model the adversarial images are crafted on
   * @param target the model that is judged; {@code null} means {@code source}
   * @param seed the unit's seed (random starts)
   * @param ids sample ids
   * @param labels true labels
   * @param pixels NCHW pixels in [0, 1]
   * @param adversarialOut where the adversarial images go, or null
   * @param offset the index in {@code adversarialOut} of this batch's first value
   * @param anatomy the source's probes, or null for no anatomy
   */
  public Judged run(
      Network source,
      Network target,
      long seed,
      long[] ids,
      int[] labels,
      float[] pixels,
      float[] adversarialOut,
      int offset,
      Probes anatomy) {
    Network judge = target == null ? source : target;
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
    Predictions clean = null;
    Predictions attacked = null;
    List<LayerStats> layers = null;
    if (anatomy != null) {
      Anatomy.Measured m = Anatomy.measureWithLogits(anatomy, pixels, adv, Anatomy.TOLERANCE);
      layers = m.layers();
      if (target == null && source == anatomy.classifier() && m.cleanLogits() != null) {
        clean = fromLogits(source, m.cleanLogits(), labels);
        attacked = fromLogits(source, m.advLogits(), labels);
      }
    }
    if (clean == null) {
      clean = Predictions.of(judge, labels, pixels);
      attacked = Predictions.of(judge, labels, adv);
    }
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
              traced.brokenBy() == null ? null : traced.brokenBy()[i],
              traced.distances() == null ? Float.NaN : traced.distances()[i]));
    }
    return new Judged(out, layers);
  }

  /** {@link Predictions#of(NDArray, int[])} of logits read back from the engine. */
  private static Predictions fromLogits(Network model, float[] logits, int[] labels) {
    try (NDManager scope = model.manager().newSubManager()) {
      return Predictions.of(
          scope.create(logits, new Shape(labels.length, logits.length / labels.length)), labels);
    }
  }
}
