package io.adversarialprune.udfs.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.adversarialprune.udfs.model.InputShape;
import io.adversarialprune.udfs.model.Network;
import java.util.Arrays;

/**
 * A model's outputs on one batch, copied out to Java arrays: logits, arg-max predictions and the
 * per-sample cross-entropy loss against the given labels. Computed without autograd. Immutable by
 * convention (the arrays are not copied).
 *
 * @param logits {@code N * classes} logits, row-major
 * @param predictions arg-max class per sample (lowest index on ties, as {@code torch.argmax})
 * @param losses per-sample cross entropy
 */
public record Predictions(float[] logits, int[] predictions, float[] losses) {

  /**
   * Runs {@code model} on {@code pixels} (NCHW, [0, 1], {@code model.inputShape()}) with grad mode
   * off on the calling thread (restored on return); native memory is freed before returning.
   */
  public static Predictions of(Network model, int[] labels, float[] pixels) {
    InputShape shape = model.inputShape();
    int n = labels.length;
    long[] ids = new long[n];
    AttackSupport.checkBatch(shape, ids, labels, pixels);
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try (NDManager scope = model.manager().newSubManager()) {
      return of(model.logits(scope.create(pixels, new Shape(shape.batchShape(n)))), labels);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }

  /**
   * The predictions and losses of {@code logits} ({@code [n, classes]}, e.g. the last output of a
   * model's probes, which equals its forward pass bit for bit); the arrays it makes are attached to
   * {@code logits}' manager.
   */
  public static Predictions of(NDArray logits, int[] labels) {
    int n = labels.length;
    NDArray y = logits.getManager().create(Arrays.stream(labels).asLongStream().toArray());
    float[] losses = Losses.crossEntropy(logits, y).toFloatArray();
    long[] argmax = logits.argMax(1).toLongArray();
    int[] predictions = new int[n];
    for (int i = 0; i < n; i++) {
      predictions[i] = Math.toIntExact(argmax[i]);
    }
    return new Predictions(logits.toFloatArray(), predictions, losses);
  }
}
