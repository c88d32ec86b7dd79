package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.Classifier;
import io.adversarialprune.udfs.model.InputShape;
import java.util.Arrays;

/**
 * The study's L-infinity PGD in [0, 1] pixel space.
 *
 * <pre>
 *   x0     = clamp(x + U(-eps, eps), 0, 1)                       (or x, random start off)
 *   x(k+1) = clamp(x + clamp(x(k) + alpha sign(grad CE) - x, -eps, eps), 0, 1)
 *   result = round(255 x(steps)) / 255                           (or x(steps), rounding off)
 * </pre>
 *
 * <p>The projection is computed as {@code min(max(x(k) + alpha sign(g), lower), upper)} with {@code
 * lower = clamp(x - eps, 0, 1)} and {@code upper = clamp(x + eps, 0, 1)} made once per batch: the
 * same set, and values that differ from the study's formula by at most one float rounding inside
 * the ball (bit-identical on its faces), for two elementwise ops per step instead of five.
 *
 * <p>As in the study, the rounding comes after the last projection, so a rounded image may be up to
 * {@code 0.5 / 255} outside the eps ball (and is always inside [0, 1]).
 *
 * <p>The loss is the cross entropy summed over the batch. Each sample's logits depend only on its
 * own input (the model is in eval mode), so each sample's input gradient is the gradient of its own
 * loss and does not depend on the batch. The study weighted each sample's gradient by that sample's
 * loss; after {@code sign()} the two agree except for a sample whose loss is exactly 0, where the
 * study's step is 0 and this one follows the (tiny) gradient's sign.
 *
 * <p>The random start is drawn per sample from {@code (seed, sample id)} ({@link SampleNoise}), so
 * on CPU the result for a sample is bit-identical for the same input, label, id and seed, whatever
 * the batching or sharding.
 *
 * <p>Autograd: each step gets a fresh leaf input (DJL does not zero gradients), turns grad mode on
 * for the calling thread only ({@code JniUtils.setGradMode}) and calls {@code JniUtils.backward}
 * directly; DJL's {@code GradientCollector} is never used (one may be open per JVM). The model's
 * parameters are frozen, so only the input gets a gradient and the weights and batch-norm
 * statistics are never written.
 *
 * <p>Native memory: everything of one call lives in a sub-manager of the source's manager, and
 * everything of one step in a sub-manager of that; results leave as Java arrays.
 *
 * <p>Immutable; thread-safe as long as each thread uses its own {@link Classifier}. The calling
 * thread's grad mode is restored on return.
 */
public final class PgdAttack {

  private final AttackConfig config;

  /** An attack with the given settings. */
  public PgdAttack(AttackConfig config) {
    this.config = config;
  }

  /** The settings. */
  public AttackConfig config() {
    return config;
  }

  /**
   * Crafts adversarial images for one batch on {@code source} (which must be {@link
   * Classifier.Mode#DIFFERENTIABLE}). The batch is processed as given; {@link
   * AttackConfig#batchSize()} is the caller's business.
   *
   * @param source the model whose input gradient drives the attack
   * @param seed the row seed for the random start
   * @param ids sample ids, one per image, for the random start
   * @param labels true labels, one per image, in {@code [0, source.classes())}
   * @param pixels {@code N * C * H * W} values in [0, 1], NCHW, of {@code source.inputShape()}
   * @return the adversarial images, same layout as {@code pixels}
   */
  public float[] perturb(Classifier source, long seed, long[] ids, int[] labels, float[] pixels) {
    if (source.mode() != Classifier.Mode.DIFFERENTIABLE) {
      throw new IllegalArgumentException(
          "PGD needs input gradients, but model " + source.file() + " was loaded for inference");
    }
    InputShape shape = source.inputShape();
    int n = checkBatch(shape, ids, labels, pixels);
    int per = shape.pixels();
    float[] start = pixels;
    if (config.randomStart()) {
      start = new float[pixels.length];
      for (int i = 0; i < n; i++) {
        SampleNoise.randomStart(seed, ids[i], config.eps(), pixels, i * per, per, start);
      }
    }
    boolean gradMode = JniUtils.isGradMode();
    try (NDManager batch = source.manager().newSubManager()) {
      Shape batchShape = new Shape(shape.batchShape(n));
      NDArray clean = batch.create(pixels, batchShape);
      NDArray y = batch.create(Arrays.stream(labels).asLongStream().toArray());
      NDArray x = batch.create(start, batchShape);
      // The projection clamp(x0 + clamp(m - x0, -eps, eps), 0, 1) as one max and one min against
      // bounds made once per batch: two elementwise ops per step instead of five.
      NDArray lower = clean.sub(config.eps()).clip(0, 1);
      NDArray upper = clean.add(config.eps()).clip(0, 1);
      for (int step = 0; step < config.steps(); step++) {
        NDArray next = step(source, batch, lower, upper, y, x);
        x.close();
        x = next;
      }
      if (config.round8bit()) {
        x = x.mul(255f).round().div(255f);
      }
      return x.toFloatArray();
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /** One PGD step; the returned array is attached to {@code batch}, all else to a step scope. */
  private NDArray step(
      Classifier source, NDManager batch, NDArray lower, NDArray upper, NDArray y, NDArray x) {
    try (NDManager scope = batch.newSubManager()) {
      // A fresh leaf each step: DJL never zeroes .grad, and the old leaf's graph must not grow.
      NDArray leaf = x.duplicate();
      leaf.attach(scope);
      NDArray grad = Gradients.inputGradient(source, leaf, y);
      NDArray moved = leaf.add(grad.sign().mul((float) config.alpha()));
      NDArray next = moved.maximum(lower).minimum(upper);
      next.attach(batch);
      return next;
    }
  }

  /** Checks array lengths against each other and the shape; returns the batch size. */
  static int checkBatch(InputShape shape, long[] ids, int[] labels, float[] pixels) {
    int n = labels.length;
    if (ids.length != n) {
      throw new IllegalArgumentException("batch has " + ids.length + " ids but " + n + " labels");
    }
    if (n == 0) {
      throw new IllegalArgumentException("batch is empty");
    }
    if (pixels.length != (long) n * shape.pixels()) {
      throw new IllegalArgumentException(
          "batch of "
              + n
              + " images of shape "
              + shape.describe(n)
              + " needs "
              + (long) n * shape.pixels()
              + " pixel values, got "
              + pixels.length);
    }
    return n;
  }
}
